import { sql, type SQL } from "drizzle-orm";
import type { CostDraft } from "../../../costs/draft";
import { dayOf } from "../../../costs/period";
import { newId } from "../../../lib/ids";
import type { TenantCtx } from "../../client";
import { chunkRows, payloadValue as v } from "../../bulk";
import { auditCountedInsert, type AuditSource } from "../platform/audit";
import { queryAll, runBatch, stmt } from "../../statements";
import { ownedByNobodyOrSql, type ActsFor } from "../pipelines/ownership";
import { resolveAttribution } from "./attribution";
import { allocationStatements, rebuildDaysStatements } from "./ledger-allocations";
import { canonicalAttribution, differs, holdsSent, recordPayloads, recordUpserts, sentRows, type StoredRecord } from "./ledger-records";

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
