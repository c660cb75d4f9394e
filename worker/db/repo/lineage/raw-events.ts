import { sql, type SQL } from "drizzle-orm";
import type { LineagePlan } from "../../../lineage/plan";
import type { TenantCtx } from "../../client";
import { bulkStatements as bulk, chunkRows, payloadValue as v } from "../../bulk";
import { rowsOf, stmt, type Read, type Stmt } from "../../statements";

/**
 * Raw lineage events as received (lineage_events): their inserts run first in a plan's batch and decide, by
 * dedupe key, which copy of an event is the one whose counters count.
 */

/**
 * Raw-event inserts, to run first in their batch. `bodies` holds where each event's body was put in R2 (its size,
 * hash, key and offset in that object; the row keeps no bytes); an event already stored (same dedupe key) is left as it is. Each statement
 * returns the dedupe keys it stored: the events this batch, and no concurrent copy, wrote. `onlyIf`
 * (PlanGuard.onlyIf) must hold for any of them to be stored.
 */
export function rawEventStatements(
  ctx: TenantCtx,
  plan: LineagePlan,
  bodies: Array<{ bytes: number; sha256: string; key: string; offset: number | null }>,
  now: number,
  onlyIf: SQL = sql`1`,
): Stmt[] {
  const t = ctx.tenantId;
  const rows = plan.events.map((e, i) => {
    const b = bodies[i];
    return [e.id, e.dedupeKey, e.kind, e.eventType, e.eventTime, e.runId, e.jobId, e.datasetId, e.producer, e.schemaUrl, b.bytes, b.sha256, b.key, b.offset];
  });
  return bulk(
    rows,
    (p) => sql`
      INSERT INTO lineage_events (tenant_id, id, dedupe_key, kind, event_type, event_time, run_id, job_id, dataset_id, producer, schema_url, size_bytes, body_sha256, body_blob_key, body_offset, received_at)
      SELECT ${t}, ${v(0)}, ${v(1)}, ${v(2)}, ${v(3)}, ${v(4)}, ${v(5)}, ${v(6)}, ${v(7)}, ${v(8)}, ${v(9)}, ${v(10)}, ${v(11)}, ${v(12)}, ${v(13)}, ${now}
      FROM json_each(${p}) r WHERE ${onlyIf}
      ON CONFLICT (tenant_id, dedupe_key) DO NOTHING RETURNING dedupe_key`,
  );
}

/** Dedupe keys returned by the statements of rawEventStatements, from their batch results. */
export function storedEventKeys(results: D1Result[]): Set<string> {
  return new Set(results.flatMap((r) => (r.results as Array<{ dedupe_key: string }>).map((row) => row.dedupe_key)));
}

/**
 * For auditCountedInsert: how many of the events `ids` are stored, with the audit entry's target (the event's key
 * prefix, or "n events"). Inside the batch after rawEventStatements, these are the events that batch stored.
 */
export function storedEventsQuery(ctx: TenantCtx, ids: string[]): SQL {
  return sql`
    SELECT count(*) AS n, CASE count(*) WHEN 1 THEN min(substr(e.dedupe_key, 1, 16)) ELSE count(*) || ' events' END AS target_id,
      json_object('events', count(*)) AS details
    FROM json_each(${JSON.stringify(ids)}) j CROSS JOIN lineage_events e ON e.tenant_id = ${ctx.tenantId} AND e.id = j.value`;
}

/**
 * Dedupe keys of the given events already stored for this tenant. A shortcut for retries (they skip planning and
 * writing); copies in flight together all pass it, and the batch's own inserts decide between them.
 */
export function existingEventKeys(ctx: TenantCtx, keys: string[]): Read<Set<string>> {
  return {
    // The keys drive the loop (CROSS JOIN keeps that order): one index probe per key, whatever the table's size.
    statements: chunkRows(keys.map((k) => [k])).map((payload) =>
      stmt(sql`
      SELECT e.dedupe_key FROM json_each(${payload}) r CROSS JOIN lineage_events e ON e.tenant_id = ${ctx.tenantId} AND e.dedupe_key = r.value ->> '$[0]'`),
    ),
    parse: (results) => new Set(rowsOf<{ dedupe_key: string }>(results).map((r) => r.dedupe_key)),
  };
}
