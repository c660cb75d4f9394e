import { sql } from "drizzle-orm";
import type { Db } from "../../client";

/**
 * Tenants whose run engine has work driven by its alarm: unfinished runs, or scheduled production pipelines. Across
 * tenants on purpose — only the engine watchdog asks, and it then visits each tenant's own Durable Object. The
 * conditions are written out (not bound) so they match the partial indexes runs_unfinished and pipelines_scheduled,
 * and INDEXED BY names them: without statistics SQLite would rather scan runs_status, every run ever made, in tenant
 * order (a test checks the plan).
 */
export const ENGINE_TENANTS_SQL = `SELECT tenant_id FROM runs INDEXED BY runs_unfinished WHERE status IN ('queued', 'running')
UNION
SELECT tenant_id FROM pipelines INDEXED BY pipelines_scheduled WHERE cron IS NOT NULL AND paused = 0 AND archived_at IS NULL AND in_production = 1
ORDER BY tenant_id`;

export async function tenantsWithEngineWork(db: Db): Promise<string[]> {
  const rows = await db.all<{ tenant_id: string }>(sql.raw(ENGINE_TENANTS_SQL));
  return rows.map((r) => r.tenant_id);
}
