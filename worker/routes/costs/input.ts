import type { z } from "@hono/zod-openapi";
import { isCurrency } from "../../costs/currency";
import type { CostDraft } from "../../costs/draft";
import { toMicros } from "../../costs/money";
import { parseQueryTag } from "../../costs/snowflake";
import { unitProblem } from "../../costs/units";
import type { TenantCtx } from "../../db/client";
import { datasetOwnership } from "../../db/repo/pipelines/ownership";
import { ownersOfReferences } from "../../db/repo/costs/references";
import { ApiError, type ErrorDetail } from "../../lib/errors";
import type { CostRecordIn } from "./schemas";

type RecordIn = z.infer<typeof CostRecordIn>;

/** Costs are recorded after the fact; a start this far ahead is a clock or unit mistake. */
const MAX_FUTURE_MS = 86_400_000;

/**
 * Checks a batch beyond its shape (currency, units, times, duplicates, references to runs, teams, pipelines,
 * datasets and products of this tenant) and turns it into drafts. Every problem is reported with its path; nothing
 * is stored when any record is refused.
 *
 * Naming a team, pipeline, run (directly or by a Tutti query tag), product or dataset in `attribution` says whose
 * cost a record is, so the poster may name only what belongs to a team it may act for (`mayWriteFor`) or to nobody:
 * otherwise the batch is refused with 403 naming each such field. Links Tutti finds itself (a query id in dbt
 * results, a connector's facts, lineage) are not claims and are followed whoever posts.
 */
export async function draftsOf(
  ctx: TenantCtx,
  records: RecordIn[],
  currency: string,
  now: number,
  mayWriteFor: (teamId: string) => boolean,
): Promise<CostDraft[]> {
  const problems: ErrorDetail[] = [];
  const at = (i: number, field: string, message: string) => problems.push({ path: `records[${i}].${field}`, message });
  const seen = new Map<string, number>();
  records.forEach((r, i) => {
    if (!/^[A-Z]{3}$/.test(r.currency) || !isCurrency(r.currency)) at(i, "currency", `"${r.currency}" is not an ISO 4217 currency code (e.g. USD, EUR)`);
    else if (r.currency !== currency)
      at(
        i,
        "currency",
        `the ledger is kept in ${currency}; convert ${r.currency} amounts before sending (or change the tenant currency while the ledger is empty)`,
      );
    if ((r.unit === undefined) !== (r.quantity === undefined)) at(i, r.unit === undefined ? "unit" : "quantity", "quantity and unit go together");
    const unit = unitProblem(r.source, r.unit ?? null);
    if (unit) at(i, "unit", unit);
    const started = Date.parse(r.started_at);
    if (started > now + MAX_FUTURE_MS) at(i, "started_at", "is in the future; costs are recorded after they are incurred");
    if (r.ended_at !== undefined && Date.parse(r.ended_at) < started) at(i, "ended_at", "is before started_at");
    const key = `${r.source}\u0000${r.external_ref}`;
    if (seen.has(key)) at(i, "external_ref", `repeats records[${seen.get(key)}] (same source and external_ref)`);
    else seen.set(key, i);
    const tag = r.attribution?.query_tag ? parseQueryTag(r.attribution.query_tag) : null;
    if (r.attribution?.task_key && !r.attribution.run_id && !tag) at(i, "attribution.task_key", "needs run_id");
  });
  const refs = (pick: (a: NonNullable<RecordIn["attribution"]>) => string | string[] | undefined) =>
    records.flatMap((r) => {
      const v = r.attribution ? pick(r.attribution) : undefined;
      return v === undefined ? [] : Array.isArray(v) ? v : [v];
    });
  const tagRun = (a: NonNullable<RecordIn["attribution"]>) => (a.query_tag && !a.run_id ? (parseQueryTag(a.query_tag)?.runId ?? undefined) : undefined);
  const [runs, teams, pipelines, datasets, products] = await Promise.all([
    ownersOfReferences(ctx, "run", [...refs((a) => a.run_id), ...refs(tagRun)]),
    ownersOfReferences(
      ctx,
      "team",
      refs((a) => a.team_id),
    ),
    ownersOfReferences(
      ctx,
      "pipeline",
      refs((a) => a.pipeline),
    ),
    datasetOwnership(ctx, [...new Set(refs((a) => a.dataset_ids))]),
    ownersOfReferences(
      ctx,
      "product",
      refs((a) => a.products?.map((p) => p.name)),
    ),
  ]);
  records.forEach((r, i) => {
    const a = r.attribution;
    if (!a) return;
    if (a.run_id && !runs.has(a.run_id)) at(i, "attribution.run_id", "no such run");
    if (a.team_id && !teams.has(a.team_id)) at(i, "attribution.team_id", "no such team");
    if (a.pipeline && !pipelines.has(a.pipeline)) at(i, "attribution.pipeline", "no such pipeline");
    a.dataset_ids?.forEach((d, k) => datasets.has(d) || at(i, `attribution.dataset_ids[${k}]`, "no such dataset"));
    a.products?.forEach((p, k) => products.has(p.name) || at(i, `attribution.products[${k}].name`, "no such product"));
  });
  if (problems.length) throw new ApiError("validation_failed", `${problems[0].path}: ${problems[0].message}`, problems.slice(0, 100));

  const claims: ErrorDetail[] = [];
  const claim = (i: number, field: string, owner: string | null | undefined, what: string) => {
    if (owner && !mayWriteFor(owner))
      claims.push({
        path: `records[${i}].attribution.${field}`,
        message: `${what} belongs to another team; only its team or a tenant admin attributes cost to it`,
      });
  };
  records.forEach((r, i) => {
    const a = r.attribution;
    if (!a) return;
    if (a.team_id) claim(i, "team_id", a.team_id, "this team");
    if (a.pipeline) claim(i, "pipeline", pipelines.get(a.pipeline), "this pipeline");
    if (a.run_id) claim(i, "run_id", runs.get(a.run_id), "this run");
    const tagged = tagRun(a);
    if (tagged) claim(i, "query_tag", runs.get(tagged), "the run this tag names");
    a.products?.forEach((p, k) => claim(i, `products[${k}].name`, products.get(p.name), "this product"));
    a.dataset_ids?.forEach((d, k) => claim(i, `dataset_ids[${k}]`, datasets.get(d)?.ownerTeamId, "this dataset"));
  });
  if (claims.length) throw new ApiError("forbidden", `${claims[0].path}: ${claims[0].message}`, claims.slice(0, 100));

  return records.map((r) => {
    const a = r.attribution ?? {};
    // A Snowflake query tag set by Tutti names the task when the sender did not.
    const tag = a.query_tag ? parseQueryTag(a.query_tag) : null;
    const runId = a.run_id ?? tag?.runId ?? null;
    return {
      source: r.source,
      externalRef: r.external_ref,
      amountMicros: toMicros(r.amount),
      currency: r.currency,
      quantity: r.quantity ?? null,
      unit: r.unit ?? null,
      startedAt: Date.parse(r.started_at),
      endedAt: r.ended_at === undefined ? null : Date.parse(r.ended_at),
      description: r.description ?? null,
      attribution: {
        runId,
        taskKey: a.task_key ?? (a.run_id ? null : (tag?.taskKey ?? null)),
        pipeline: a.pipeline ?? null,
        teamId: a.team_id ?? null,
        products: a.products?.map((p) => ({ name: p.name, weight: p.weight })),
        datasetIds: a.dataset_ids,
        queryId: a.query_id ?? null,
        queryTag: a.query_tag ?? null,
        warehouse: a.warehouse ?? null,
        splitByWarehouse: a.split_by_warehouse ?? null,
      },
    };
  });
}
