import { env } from "cloudflare:test";
import { d1Binding, shardNames, tenantShard } from "../../worker/db/shards";

/**
 * The D1 database holding a tenant's rows: its shard (worker/db/shards.ts), or `DB` when the suite runs without shards.
 * A test that reads or writes tenant tables directly goes through it, as the Worker does; control-side tables
 * (worker/db/sides.ts: tenants, users, memberships, sessions, tokens…) stay on `env.DB`.
 */
export async function tenantD1(tenantId: string): Promise<D1Database> {
  return d1Binding(env, (await tenantShard(env, tenantId)) ?? shardNames(env)[0]);
}
