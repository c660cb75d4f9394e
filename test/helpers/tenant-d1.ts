import { env } from "cloudflare:test";

/**
 * The D1 database holding a tenant's data: its shard from the control database's map (worker/db/shards.ts), or
 * env.DB where the run has no shards. For tests reading shard-side tables (audit_log, team_members…) directly.
 */
export async function tenantD1(tenantId: string): Promise<D1Database> {
  const row = await env.DB.prepare("SELECT shard FROM tenants WHERE id = ?").bind(tenantId).first<{ shard: string }>();
  const d1 = (env as unknown as Record<string, D1Database | undefined>)[row?.shard ?? "DB"];
  if (!d1) throw new Error(`tenant ${tenantId}: no D1 binding ${row?.shard}`);
  return d1;
}
