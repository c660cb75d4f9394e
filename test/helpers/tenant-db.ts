import { env } from "cloudflare:test";
import { d1Binding, hasShards, shardNames } from "../../worker/db/shards";

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

/** The shards' bindings as the Worker reads TENANT_SHARDS; none when a file runs on one database (TUTTI_TEST_SHARDS=""). */
export const testShards = (): string[] => (hasShards(env) ? shardNames(env) : []);

/** Every database of the test deployment: the control database and each shard (docs/architecture.md#shards). */
export const allDatabases = (): Record<string, D1Database> => Object.fromEntries([["DB", env.DB], ...testShards().map((name) => [name, d1Binding(env, name)])]);

/** Every D1 database a row could land in, for counts that must hold wherever it did. */
export const everyD1 = (): D1Database[] => Object.values(allDatabases());
