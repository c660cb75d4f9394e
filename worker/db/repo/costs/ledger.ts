import { sql, type SQL } from "drizzle-orm";
import type { CostDraft } from "../../../costs/draft";
import { dayOf } from "../../../costs/period";
import { newId } from "../../../lib/ids";
import type { TenantCtx } from "../../client";
import type { CostAttributionInput } from "../../schema";
import { auditCountedInsert, type AuditSource } from "../platform/audit";
import { resolveAttribution, type ResolvedCost } from "./attribution";
import { queryAll, runBatch, stmt, type Stmt } from "../../statements";
import { chunkRows } from "../../bulk";
import { ownedByNobodyOrSql, type ActsFor } from "../pipelines/ownership";

/**
 * The cost ledger: records keyed by (source, external_ref), their product allocations, and the daily rollup
 * the scorecard and explorer read. One write = one D1 batch (a transaction): records, allocations, the rollup
 * of every day touched, and the audit entry land together or not at all.
 */

export interface IngestResult {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Records another team's: left as they were. */
  refused: number;
  /** Days whose totals changed, for budget evaluation. */
  days: string[];
  results: Array<{
    source: string;
    externalRef: string;
    status: "inserted" | "updated" | "unchanged" | "refused";
    attributedBy: string | null;
    reason?: string;
  }>;
}

interface StoredRecord {
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

const v = (i: number) => sql.raw(`r.value ->> '$[${i}]'`);
// Joins from json_each are CROSS JOINs: they pin json_each as the outer loop, so each sent key drives one index
// lookup. Without ANALYZE statistics (D1 has none) the planner may otherwise scan the table once per key.

/** Attribution as stored: keys sorted, empty values dropped, so equal meaning compares equal. */
export function canonicalAttribution(a: CostAttributionInput): string {
  const entries = Object.entries(a)
    .filter(([, value]) => value !== null && value !== undefined && !(Array.isArray(value) && value.length === 0))
    .sort(([x], [y]) => x.localeCompare(y));
  return JSON.stringify(Object.fromEntries(entries));
}

function sameRecord(s: StoredRecord, d: CostDraft): boolean {
  return (
    s.amount_micros === d.amountMicros &&
    s.currency === d.currency &&
    s.quantity === d.quantity &&
    s.unit === d.unit &&
    s.started_at === d.startedAt &&
    s.ended_at === d.endedAt &&
    s.description === d.description &&
    s.attribution === canonicalAttribution(d.attribution)
  );
}

async function existingRecords(ctx: TenantCtx, keys: Array<[string, string]>): Promise<Map<string, StoredRecord>> {
  const out = new Map<string, StoredRecord>();
  for (const payload of chunkRows(keys)) {
    const rows = await queryAll<StoredRecord>(
      ctx,
      sql`SELECT c.id, c.source, c.external_ref, c.amount_micros, c.currency, c.quantity, c.unit, c.started_at, c.ended_at, c.description, c.attribution, c.day, c.team_id
          FROM json_each(${payload}) r CROSS JOIN cost_records c ON c.tenant_id = ${ctx.tenantId} AND c.source = ${v(0)} AND c.external_ref = ${v(1)}`,
    );
    for (const row of rows) out.set(`${row.source}\u0000${row.external_ref}`, row);
  }
  return out;
}

/**
 * Deletes and rebuilds the rollups of the given days (inside the caller's batch): cost_daily from the allocations,
 * then cost_daily_totals (one series per dimension) from cost_daily.
 */
export function rebuildDaysStatements(ctx: TenantCtx, days: string[]): Stmt[] {
  if (!days.length) return [];
  const t = ctx.tenantId;
  const payload = JSON.stringify([...new Set(days)].sort());
  const inDays = sql`day IN (SELECT value FROM json_each(${payload}))`;
  return [
    stmt(sql`DELETE FROM cost_daily WHERE tenant_id = ${t} AND ${inDays}`),
    stmt(sql`
      INSERT INTO cost_daily (tenant_id, day, product_id, team_id, pipeline_id, source, currency, amount_micros, records)
      SELECT tenant_id, day, product_id, team_id, pipeline_id, source, currency, sum(amount_micros), count(*)
      FROM cost_allocations WHERE tenant_id = ${t} AND ${inDays}
      GROUP BY day, product_id, team_id, pipeline_id, source, currency`),
    stmt(sql`DELETE FROM cost_daily_totals WHERE tenant_id = ${t} AND ${inDays}`),
    stmt(sql`
      INSERT INTO cost_daily_totals (tenant_id, dimension, day, key, currency, amount_micros, records)
      SELECT ${t}, dimension, day, key, currency, sum(amount_micros), sum(records) FROM (
        SELECT 'team' AS dimension, day, team_id AS key, currency, amount_micros, records FROM cost_daily WHERE tenant_id = ${t} AND ${inDays}
        UNION ALL SELECT 'product', day, product_id, currency, amount_micros, records FROM cost_daily WHERE tenant_id = ${t} AND ${inDays}
        UNION ALL SELECT 'pipeline', day, pipeline_id, currency, amount_micros, records FROM cost_daily WHERE tenant_id = ${t} AND ${inDays}
        UNION ALL SELECT 'source', day, source, currency, amount_micros, records FROM cost_daily WHERE tenant_id = ${t} AND ${inDays}
      ) GROUP BY dimension, day, key, currency`),
  ];
}

/** Columns of a record row as sent in the bulk payload, in payload order. */
const recordColumns = [
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
const differs = (stored: string, sent: string) => sql.raw(comparedColumns.map((col) => `${stored}.${col} IS NOT ${sent}.${col}`).join(" OR "));

function recordPayloads(drafts: CostDraft[], resolved: ResolvedCost[], ids: string[]): string[] {
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
const sentRows = (payloads: string[]) =>
  sql.join(
    payloads.map((p) => sql`SELECT ${sql.raw(recordColumns.map((col, i) => `value ->> '$[${i}]' AS ${col}`).join(", "))} FROM json_each(${p})`),
    sql` UNION ALL `,
  );

/** A stored record (alias `c`) holds exactly the sent row `r`. */
const holdsSent = sql`NOT (${differs("c", "r")})`;

/**
 * Upserts records; a record whose values are all unchanged is not touched, nor is one recorded for a team outside
 * `actsFor` — checked by the upsert itself, so a record another team wrote after this request read is kept. Each
 * statement returns the records it inserted or changed (`id` is the sent one only for an insert): a copy of the
 * batch that another request wrote first returns nothing, so it is reported unchanged.
 */
function recordUpserts(ctx: TenantCtx, payloads: string[], now: number, actsFor: ActsFor): Stmt[] {
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

/**
 * Replaces the allocations of the records that now hold what this write sent (`payloads`); ids are looked up by
 * (source, ref) inside the batch, so racing writers cannot orphan allocations, and a record the upsert left alone
 * (another team's) keeps its own.
 */
function allocationStatements(ctx: TenantCtx, drafts: CostDraft[], resolved: ResolvedCost[], payloads: string[]): Stmt[] {
  const t = ctx.tenantId;
  const out: Stmt[] = [];
  const written = sql`SELECT c.id FROM (${sentRows(payloads)}) r CROSS JOIN cost_records c ON c.tenant_id = ${t} AND c.source = r.source AND c.external_ref = r.external_ref
    WHERE ${holdsSent}`;
  out.push(stmt(sql`DELETE FROM cost_allocations WHERE tenant_id = ${t} AND cost_id IN (${written})`));
  const allocationRows = drafts.flatMap((d, i) =>
    resolved[i].allocations.map((a) => [
      d.source,
      d.externalRef,
      a.productId,
      a.teamId,
      resolved[i].pipelineId ?? "",
      dayOf(d.startedAt),
      d.currency,
      a.amountMicros,
      a.share,
    ]),
  );
  for (const payload of chunkRows(allocationRows)) {
    out.push(
      stmt(sql`
        INSERT INTO cost_allocations (tenant_id, cost_id, product_id, team_id, pipeline_id, source, day, currency, amount_micros, share)
        SELECT ${t}, c.id, ${v(2)}, ${v(3)}, ${v(4)}, c.source, ${v(5)}, ${v(6)}, ${v(7)}, ${v(8)}
        FROM json_each(${payload}) r CROSS JOIN cost_records c ON c.tenant_id = ${t} AND c.source = ${v(0)} AND c.external_ref = ${v(1)}
        WHERE c.id IN (${written})`),
    );
  }
  return out;
}

/** After the upserts: the sent records (`source`, `external_ref`) that differ from what is stored for a team outside `actsFor`. */
function refusedRecordsQuery(ctx: TenantCtx, payloads: string[], actsFor: ActsFor): SQL {
  return sql`SELECT r.source, r.external_ref FROM (${sentRows(payloads)}) r
    CROSS JOIN cost_records c ON c.tenant_id = ${ctx.tenantId} AND c.source = r.source AND c.external_ref = r.external_ref
    WHERE NOT ${holdsSent} AND NOT (${ownedByNobodyOrSql(actsFor, sql`c.team_id`)})`;
}

/**
 * For auditCountedInsert, evaluated before the upserts in the same batch: the records the batch will insert or
 * change (`w`), so a copy of the batch that another request wrote first records nothing; and those it will refuse
 * (`x`: stored for a team outside `actsFor` since the request read them). `refused` were refused before the batch.
 */
function changedRecordsQuery(ctx: TenantCtx, payloads: string[], sent: number, refused: number, actsFor: ActsFor): SQL {
  return sql`
    SELECT count(*) FILTER (WHERE w) AS n,
      CASE count(*) FILTER (WHERE w) WHEN 1 THEN min(id) FILTER (WHERE w) ELSE count(*) FILTER (WHERE w) || ' records' END AS target_id,
      json_object('inserted', count(*) FILTER (WHERE w AND new), 'updated', count(*) FILTER (WHERE w AND NOT new),
        'unchanged', ${sent - refused} - count(*) FILTER (WHERE w OR x), 'refused', ${refused} + count(*) FILTER (WHERE x),
        'sources', json_group_array(DISTINCT source) FILTER (WHERE w)) AS details
    FROM (
      SELECT r.source, coalesce(c.id, r.id) AS id, c.id IS NULL AS new,
        c.id IS NULL OR ((${differs("c", "r")}) AND ${ownedByNobodyOrSql(actsFor, sql`c.team_id`)}) AS w,
        c.id IS NOT NULL AND (${differs("c", "r")}) AND NOT (${ownedByNobodyOrSql(actsFor, sql`c.team_id`)}) AS x
      FROM (${sentRows(payloads)}) r LEFT JOIN cost_records c ON c.tenant_id = ${ctx.tenantId} AND c.source = r.source AND c.external_ref = r.external_ref)`;
}

/**
 * Writes a batch of drafts: new (source, ref) pairs are inserted, changed ones replaced (a corrected figure),
 * identical ones left alone — the same batch posted twice counts once, also when the copies arrive together: the
 * statuses come from what the upserts returned, and the audit entry from the same transaction. `defaultTeamId`
 * pays for records nothing else attributes (the posting token's team); a corrected record keeps the team it was
 * recorded for. A changed record stored for a team outside `actsFor` (null: every team) is left as it was and
 * reported `refused`: one team does not correct another's cost. The upserts check the stored team themselves, so a
 * record another team stores while this write is in flight is refused too, never overwritten.
 */
export async function ingestCosts(
  ctx: TenantCtx,
  audit: AuditSource | null,
  drafts: CostDraft[],
  defaultTeamId: string | null,
  now: number,
  actsFor: ActsFor = null,
): Promise<IngestResult> {
  // A first pass for plain retries: records stored with the same figures are not rewritten at all.
  const existing = await existingRecords(
    ctx,
    drafts.map((d) => [d.source, d.externalRef]),
  );
  const changed: CostDraft[] = [];
  const ids: string[] = [];
  /** Team each changed record was recorded for: a correction keeps it, so it never falls to nobody (or to the corrector). */
  const keptTeams: Array<string | null> = [];
  const days = new Set<string>();
  const refusedKeys = new Set<string>();
  for (const d of drafts) {
    const key = `${d.source}\u0000${d.externalRef}`;
    const had = existing.get(key);
    if (had && sameRecord(had, d)) continue;
    if (had?.team_id && actsFor !== null && !actsFor.includes(had.team_id)) {
      refusedKeys.add(key);
      continue;
    }
    if (had) days.add(had.day);
    changed.push(d);
    ids.push(had?.id ?? newId("cost"));
    keptTeams.push(had?.team_id ?? null);
    days.add(dayOf(d.startedAt));
  }
  const resolved = await resolveAttribution(ctx, changed, (i) => keptTeams[i] ?? defaultTeamId);
  const written = new Map<string, "inserted" | "updated">();
  if (changed.length) {
    const payloads = recordPayloads(changed, resolved, ids);
    const auditStatements = audit
      ? [
          stmt(
            auditCountedInsert(
              ctx,
              audit,
              { action: "cost.ingest", targetType: "cost_records" },
              changedRecordsQuery(ctx, payloads, drafts.length, refusedKeys.size, actsFor),
            ),
          ),
        ]
      : [];
    const upserts = recordUpserts(ctx, payloads, now, actsFor);
    const results = await runBatch(ctx, [
      ...auditStatements,
      ...upserts,
      stmt(refusedRecordsQuery(ctx, payloads, actsFor)),
      ...allocationStatements(ctx, changed, resolved, payloads),
      ...rebuildDaysStatements(ctx, [...days]),
    ]);
    for (const row of results[auditStatements.length + upserts.length].results as Array<{ source: string; external_ref: string }>) {
      refusedKeys.add(`${row.source}\u0000${row.external_ref}`);
    }
    // A new record's id is the one this request chose; a returned row with another id was updated.
    const freshIds = new Set(ids.filter((_, i) => !existing.has(`${changed[i].source}\u0000${changed[i].externalRef}`)));
    for (const r of results.slice(auditStatements.length, auditStatements.length + upserts.length)) {
      for (const row of r.results as Array<{ id: string; source: string; external_ref: string }>) {
        written.set(`${row.source}\u0000${row.external_ref}`, freshIds.has(row.id) ? "inserted" : "updated");
      }
    }
  }
  let k = 0;
  const results = drafts.map((d) => {
    const key = `${d.source}\u0000${d.externalRef}`;
    const wasSent = changed[k] === d;
    const attributedBy = wasSent ? resolved[k++].attributedBy : null;
    if (refusedKeys.has(key)) {
      return {
        source: d.source,
        externalRef: d.externalRef,
        status: "refused" as const,
        attributedBy: null,
        reason: "recorded for another team; only that team or a tenant admin corrects it",
      };
    }
    const status: IngestResult["results"][number]["status"] = written.get(key) ?? "unchanged";
    return { source: d.source, externalRef: d.externalRef, status, attributedBy: status === "unchanged" ? null : attributedBy };
  });
  const count = (s: string) => results.filter((r) => r.status === s).length;
  return { inserted: count("inserted"), updated: count("updated"), unchanged: count("unchanged"), refused: count("refused"), days: [...days].sort(), results };
}

export interface StoredCost {
  id: string;
  source: string;
  externalRef: string;
  amountMicros: number;
  currency: string;
  quantity: number | null;
  unit: string | null;
  startedAt: number;
  endedAt: number | null;
  description: string | null;
  attribution: CostAttributionInput;
  teamId: string | null;
  pipelineId: string | null;
  runId: string | null;
  taskKey: string | null;
  attributedBy: string;
  allocations: Array<{ productId: string; amountMicros: number; share: number }>;
}

export interface CostRecordFilter {
  from?: number;
  to?: number;
  source?: string;
  teamId?: string;
  pipelineId?: string;
  productId?: string;
  runId?: string;
  before?: { at: number; id: string };
  limit: number;
}

/** Ledger records newest first (by start), with their allocations; `limit + 1` rows for cursor paging. */
export async function listCostRecords(ctx: TenantCtx, f: CostRecordFilter): Promise<StoredCost[]> {
  const conds = [sql`c.tenant_id = ${ctx.tenantId}`];
  if (f.from !== undefined) conds.push(sql`c.started_at >= ${f.from}`);
  if (f.to !== undefined) conds.push(sql`c.started_at < ${f.to}`);
  if (f.source) conds.push(sql`c.source = ${f.source}`);
  if (f.teamId) conds.push(sql`c.team_id = ${f.teamId}`);
  if (f.pipelineId) conds.push(sql`c.pipeline_id = ${f.pipelineId}`);
  if (f.runId) conds.push(sql`c.run_id = ${f.runId}`);
  if (f.productId)
    conds.push(sql`EXISTS (SELECT 1 FROM cost_allocations a WHERE a.tenant_id = c.tenant_id AND a.cost_id = c.id AND a.product_id = ${f.productId})`);
  if (f.before) conds.push(sql`(c.started_at < ${f.before.at} OR (c.started_at = ${f.before.at} AND c.id < ${f.before.id}))`);
  const rows = await queryAll<Record<string, unknown>>(
    ctx,
    sql`SELECT c.id, c.source, c.external_ref, c.amount_micros, c.currency, c.quantity, c.unit, c.started_at, c.ended_at, c.description,
          c.attribution, c.team_id, c.pipeline_id, c.run_id, c.task_key, c.attributed_by,
          (SELECT json_group_array(json_array(x.product_id, x.amount_micros, x.share)) FROM (
             SELECT a.product_id, a.amount_micros, a.share FROM cost_allocations a WHERE a.tenant_id = c.tenant_id AND a.cost_id = c.id
             ORDER BY a.amount_micros DESC, a.product_id) x) AS allocations
        FROM cost_records c WHERE ${sql.join(conds, sql` AND `)}
        ORDER BY c.started_at DESC, c.id DESC LIMIT ${f.limit + 1}`,
  );
  return rows.map((r) => ({
    id: r.id as string,
    source: r.source as string,
    externalRef: r.external_ref as string,
    amountMicros: r.amount_micros as number,
    currency: r.currency as string,
    quantity: (r.quantity as number | null) ?? null,
    unit: (r.unit as string | null) ?? null,
    startedAt: r.started_at as number,
    endedAt: (r.ended_at as number | null) ?? null,
    description: (r.description as string | null) ?? null,
    attribution: JSON.parse(r.attribution as string),
    teamId: (r.team_id as string | null) ?? null,
    pipelineId: (r.pipeline_id as string | null) ?? null,
    runId: (r.run_id as string | null) ?? null,
    taskKey: (r.task_key as string | null) ?? null,
    attributedBy: r.attributed_by as string,
    allocations: (JSON.parse(r.allocations as string) as Array<[string, number, number]>).map(([productId, amountMicros, share]) => ({
      productId,
      amountMicros,
      share,
    })),
  }));
}

/** Records to re-attribute: those of a time range, or those allocated to one product. */
export type ReattributeScope = { from: number; to: number } | { productId: string };

/**
 * Re-runs attribution for existing records (after products or memberships changed), in pages of 500 so each
 * D1 batch stays small. Amounts never change; only who they are allocated to. Returns the records re-attributed.
 */
export async function reattributeCosts(ctx: TenantCtx, scope: ReattributeScope, now: number): Promise<{ records: number; days: string[] }> {
  const where =
    "productId" in scope
      ? sql`c.id IN (SELECT a.cost_id FROM cost_allocations a WHERE a.tenant_id = ${ctx.tenantId} AND a.product_id = ${scope.productId})`
      : sql`c.started_at >= ${scope.from} AND c.started_at < ${scope.to}`;
  let after = "";
  let total = 0;
  const allDays = new Set<string>();
  for (;;) {
    const rows = await queryAll<StoredRecord>(
      ctx,
      sql`SELECT c.id, c.source, c.external_ref, c.amount_micros, c.currency, c.quantity, c.unit, c.started_at, c.ended_at, c.description, c.attribution, c.day, c.team_id
          FROM cost_records c WHERE c.tenant_id = ${ctx.tenantId} AND c.id > ${after} AND ${where} ORDER BY c.id LIMIT 500`,
    );
    if (!rows.length) break;
    after = rows[rows.length - 1].id;
    const drafts: CostDraft[] = rows.map((r) => ({
      source: r.source,
      externalRef: r.external_ref,
      amountMicros: r.amount_micros,
      currency: r.currency,
      quantity: r.quantity,
      unit: r.unit,
      startedAt: r.started_at,
      endedAt: r.ended_at,
      description: r.description,
      attribution: JSON.parse(r.attribution),
    }));
    // The team a record fell to by default (the poster's) is kept: it is not in the attribution.
    const resolved = await resolveAttribution(ctx, drafts, (i) => rows[i].team_id);
    const days = [...new Set(rows.map((r) => r.day))];
    days.forEach((d) => allDays.add(d));
    const payloads = recordPayloads(
      drafts,
      resolved,
      rows.map((r) => r.id),
    );
    // Tutti re-attributes every team's records.
    const upserts = recordUpserts(ctx, payloads, now, null);
    await runBatch(ctx, [...upserts, ...allocationStatements(ctx, drafts, resolved, payloads), ...rebuildDaysStatements(ctx, days)]);
    total += rows.length;
  }
  return { records: total, days: [...allDays].sort() };
}
