import { sql } from "drizzle-orm";
import type { CostDraft } from "../../../costs/draft";
import { dayOf } from "../../../costs/period";
import type { TenantCtx } from "../../client";
import type { CostAttributionInput } from "../../schema";
import { chunkRows } from "../../bulk";
import { stmt, type Stmt } from "../../statements";
import { ownedByNobodyOrSql, type ActsFor } from "../pipelines/ownership";
import type { ResolvedCost } from "./attribution";

/** Cost records as the ledger's bulk statements send and compare them: the payload rows and the record upserts. */

export interface StoredRecord {
  id: string;
  source: string;
  external_ref: string;
  amount_micros: number;
  currency: string;
  quantity: number | null;
  unit: string | null;
  started_at: number;
  ended_at: number | null;
  description: string | null;
  attribution: string;
  day: string;
  team_id: string | null;
}

// Joins from json_each are CROSS JOINs: they pin json_each as the outer loop, so each sent key drives one index
// lookup. Without ANALYZE statistics (D1 has none) the planner may otherwise scan the table once per key.

/** Attribution as stored: keys sorted, empty values dropped, so equal meaning compares equal. */
export function canonicalAttribution(a: CostAttributionInput): string {
  const entries = Object.entries(a)
    .filter(([, value]) => value !== null && value !== undefined && !(Array.isArray(value) && value.length === 0))
    .sort(([x], [y]) => x.localeCompare(y));
  return JSON.stringify(Object.fromEntries(entries));
}

/** Columns of a record row as sent in the bulk payload, in payload order. */
export const recordColumns = [
  "id",
  "source",
  "external_ref",
  "amount_micros",
  "currency",
  "quantity",
  "unit",
  "started_at",
  "ended_at",
  "day",
  "description",
  "attribution",
  "team_id",
  "pipeline_id",
  "run_id",
  "task_key",
  "attributed_by",
] as const;

/** What a write may change: a record whose stored values all equal the sent ones is left alone (and not counted). */
const comparedColumns = recordColumns.slice(3);

/** `stored` differs from `sent` in any compared column (null-safe). */
export const differs = (stored: string, sent: string) => sql.raw(comparedColumns.map((col) => `${stored}.${col} IS NOT ${sent}.${col}`).join(" OR "));

export function recordPayloads(drafts: CostDraft[], resolved: ResolvedCost[], ids: string[]): string[] {
  return chunkRows(
    drafts.map((d, i) => [
      ids[i],
      d.source,
      d.externalRef,
      d.amountMicros,
      d.currency,
      d.quantity,
      d.unit,
      d.startedAt,
      d.endedAt,
      dayOf(d.startedAt),
      d.description,
      canonicalAttribution(d.attribution),
      resolved[i].teamId,
      resolved[i].pipelineId,
      resolved[i].runId,
      resolved[i].taskKey,
      resolved[i].attributedBy,
    ]),
  );
}

/** The payload rows as a table `r` with named columns. */
export const sentRows = (payloads: string[]) =>
  sql.join(
    payloads.map((p) => sql`SELECT ${sql.raw(recordColumns.map((col, i) => `value ->> '$[${i}]' AS ${col}`).join(", "))} FROM json_each(${p})`),
    sql` UNION ALL `,
  );

/** A stored record (alias `c`) holds exactly the sent row `r`. */
export const holdsSent = sql`NOT (${differs("c", "r")})`;

/**
 * Upserts records; a record whose values are all unchanged is not touched, nor is one recorded for a team outside
 * `actsFor` — checked by the upsert itself, so a record another team wrote after this request read is kept. Each
 * statement returns the records it inserted or changed (`id` is the sent one only for an insert): a copy of the
 * batch that another request wrote first returns nothing, so it is reported unchanged.
 */
export function recordUpserts(ctx: TenantCtx, payloads: string[], now: number, actsFor: ActsFor): Stmt[] {
  const t = ctx.tenantId;
  const cols = sql.raw(recordColumns.join(", "));
  const sets = sql.raw(comparedColumns.map((col) => `${col} = excluded.${col}`).join(", "));
  return payloads.map((p) =>
    stmt(sql`
      INSERT INTO cost_records (tenant_id, ${cols}, created_at, updated_at)
      SELECT ${t}, ${sql.raw(recordColumns.map((_, i) => `r.value ->> '$[${i}]'`).join(", "))}, ${now}, ${now}
      FROM json_each(${p}) r WHERE true
      ON CONFLICT (tenant_id, source, external_ref) DO UPDATE SET ${sets}, updated_at = excluded.updated_at
      WHERE (${differs("cost_records", "excluded")}) AND ${ownedByNobodyOrSql(actsFor, sql`cost_records.team_id`)}
      RETURNING id, source, external_ref`),
  );
}
