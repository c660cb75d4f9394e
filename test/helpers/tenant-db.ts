import { env } from "cloudflare:test";

/**
 * Where a test reads a tenant's rows: the D1 database of its shard (DB when a file runs without shards,
 * TUTTI_TEST_SHARDS=""). The control database's `tenants` row names it. A tenant's context as the Worker builds it
 * outside a request is worker/db/shards.ts `tenantContext(env, tenantId)`.
 */
export async function tenantD1(tenantId: string): Promise<D1Database> {
  const row = await env.DB.prepare("SELECT shard FROM tenants WHERE id = ?").bind(tenantId).first<{ shard: string }>();
  if (!row) throw new Error(`no tenant ${tenantId} in the control database`);
  return (env as unknown as Record<string, D1Database>)[row.shard];
}

/** Every D1 database of the test runtime (control and both shards), for counts that must hold wherever a row could land. */
export const everyD1 = (): D1Database[] => [env.DB, env.SHARD_1, env.SHARD_2];
