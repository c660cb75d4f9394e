import { ConnectorError } from "../http-errors";
import { field, str } from "../tool-http";
import { bigQueryClient } from "./client";
import { decodeRows, schemaFields, type Row } from "./rows";
import type { BigQueryConfig } from "./schema";

export interface QueryParameter {
  name: string;
  type: "STRING" | "INT64" | "TIMESTAMP" | "DATE";
  value: string;
}

export interface BigQueryQuery {
  query: string;
  parameters: QueryParameter[];
  labels: Record<string, string>;
}

/** How long one jobs.query / getQueryResults call waits for the job (BigQuery answers after ~200 s at most anyway). */
const WAIT_MS = 20_000;
/** getQueryResults calls while the job is still running, before the pass gives up (the next one reads again). */
const MAX_WAITS = 10;
/** Pages followed; a collector window never needs more, so a result that does is cut off rather than followed forever. */
const MAX_PAGES = 1000;
const PAGE_ROWS = 10_000;

/**
 * Runs a read-only GoogleSQL query (jobs.query with named parameters and labels) and returns every row by column
 * name: while `jobComplete` is false it waits on getQueryResults, then follows `pageToken` (CONTRACTS-2 §2).
 */
export async function queryBigQuery(ctx: { config: BigQueryConfig; secrets: Record<string, string>; fetch: typeof fetch }, q: BigQueryQuery): Promise<Row[]> {
  const client = bigQueryClient(ctx);
  const location = ctx.config.location;
  let json = await client.query(
    {
      query: q.query,
      useLegacySql: false,
      location,
      parameterMode: "NAMED",
      queryParameters: q.parameters.map((p) => ({ name: p.name, parameterType: { type: p.type }, parameterValue: { value: p.value } })),
      labels: q.labels,
      timeoutMs: WAIT_MS,
      maxResults: PAGE_ROWS,
      requestId: crypto.randomUUID(),
    },
    WAIT_MS + 30_000,
  );
  const jobId = str(field(field(json, "jobReference"), "jobId"));
  for (let waits = 0; field(json, "jobComplete") !== true; waits++) {
    if (!jobId) throw new ConnectorError({ kind: "tool_failure", message: "BigQuery answered an unfinished query without a jobReference" });
    if (waits >= MAX_WAITS) throw new ConnectorError({ kind: "timeout", message: `the BigQuery query ${jobId} was still running; the next pass reads again` });
    json = await client.queryResults(jobId, { location, maxResults: PAGE_ROWS, timeoutMs: WAIT_MS });
  }
  failIfErrors(json);
  const fields = schemaFields(json);
  const rows = decodeRows(fields, json);
  for (let token = str(field(json, "pageToken")), pages = 1; token; token = str(field(json, "pageToken")), pages++) {
    if (!jobId) throw new ConnectorError({ kind: "tool_failure", message: "BigQuery sent a pageToken without a jobReference" });
    if (pages >= MAX_PAGES) throw new ConnectorError({ kind: "tool_failure", message: `the BigQuery result has more than ${MAX_PAGES} pages` });
    json = await client.queryResults(jobId, { location, pageToken: token, maxResults: PAGE_ROWS });
    rows.push(...decodeRows(fields, json));
  }
  return rows;
}

/** A finished query whose `errors` carry a fatal one: BigQuery may list errors on success too, so only a reply without a schema fails. */
function failIfErrors(json: unknown) {
  const errors = field(json, "errors");
  if (!Array.isArray(errors) || !errors.length || field(json, "schema") !== undefined) return;
  const first = errors[0];
  throw new ConnectorError({
    kind: "tool_failure",
    message: `BigQuery: ${[str(field(first, "reason")), str(field(first, "message"))].filter(Boolean).join(": ")}`,
  });
}
