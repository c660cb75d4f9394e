import { eq, sql } from "drizzle-orm";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { is } from "drizzle-orm";
import type { Env } from "../env";
import { createDb, type Db, type TenantCtx, tenantCtx } from "./client";
import * as schema from "./schema";
import { type DbSide, wrongSideTable } from "./sides";

/**
 * Tenants spread over database shards (docs/architecture.md#shards). `DB` is the control database (identity and
 * routing, db/sides.ts); the shards are the D1 bindings named in TENANT_SHARDS, in order. Without TENANT_SHARDS the
 * deployment has one database, control and shard at once, and every tenant's `shard` is `DB`.
 *
 * The list is explicit rather than every binding named SHARD_n: a binding can be added and migrated before it takes
 * tenants, and a shard being emptied (tenant:move) can stay bound while it no longer takes new ones — placement picks
 * among the listed ones, resolution accepts any bound one.
 */
export const CONTROL_BINDING = "DB";

/** What the shard functions read of the environment: the control database, the list, and the shards' bindings by name. */
export type ShardEnv = Pick<Env, "DB" | "TENANT_SHARDS">;

export function shardNames(env: ShardEnv): string[] {
  const listed = (env.TENANT_SHARDS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return listed.length > 0 ? listed : [CONTROL_BINDING];
}

/** True when the control database holds no tenant's data (the guard then keeps each side's tables on its side). */
export const hasShards = (env: ShardEnv) => shardNames(env)[0] !== CONTROL_BINDING;

/** A D1 binding by name; an unknown name throws. */
export function d1Binding(env: ShardEnv, name: string): D1Database {
  const d1 = (env as unknown as Record<string, unknown>)[name] as D1Database | undefined;
  if (!d1 || typeof d1.prepare !== "function") throw new Error(`no D1 binding named ${name} (a tenant's shard or TENANT_SHARDS names it)`);
  return d1;
}

const knownTables: ReadonlySet<string> = new Set(
  Object.values(schema)
    .filter((v) => is(v, SQLiteTable))
    .map((t) => getTableConfig(t as SQLiteTable).name),
);

/**
 * A D1 binding that refuses a statement naming a table of the other side: a tenant table read on the control database
 * or an identity table on a shard would read nothing (or write where nobody looks) without a word. A regular
 * expression over a statement drizzle has just built costs microseconds, so the guard stays on everywhere.
 */
function guarded(d1: D1Database, side: DbSide, name: string): D1Database {
  const check = (statement: string) => {
    const table = wrongSideTable(statement, side, knownTables);
    if (table) throw new Error(`${table} is not on the ${side} database ${name}: ${statement.slice(0, 200)}`);
  };
  // A batch runs every statement on the database it is sent to, wherever the statement was prepared: only this
  // binding's own statements may go into its batches (a control write batched on a shard would land on the shard).
  // Each statement is handed out wrapped, its bound copies too; the batch unwraps them. A wrapper rather than a
  // patched `bind`: through wrangler's platform proxy (operator commands) a statement is a proxy that ignores
  // assignments, so a patched `bind` silently stayed the original there.
  const underlying = new WeakMap<object, D1PreparedStatement>();
  const mine = (stmt: D1PreparedStatement): D1PreparedStatement => {
    const wrapper = new Proxy(stmt, {
      get(target, prop) {
        if (prop === "bind") return (...values: unknown[]) => mine(target.bind(...values));
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    underlying.set(wrapper, stmt);
    return wrapper;
  };
  return new Proxy(d1, {
    get(target, prop) {
      if (prop === "prepare")
        return (statement: string) => {
          check(statement);
          return mine(target.prepare(statement));
        };
      if (prop === "exec")
        return (statement: string) => {
          check(statement);
          return target.exec(statement);
        };
      if (prop === "batch")
        return (statements: D1PreparedStatement[]) => {
          const raw = statements.map((s) => underlying.get(s));
          if (!raw.every((s) => s !== undefined)) throw new Error(`a batch on ${name} holds a statement prepared on another database`);
          return target.batch(raw as D1PreparedStatement[]);
        };
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

const guardedDbs = { control: new WeakMap<D1Database, Db>(), shard: new WeakMap<D1Database, Db>() };

function guardedDb(d1: D1Database, side: DbSide, name: string): Db {
  let db = guardedDbs[side].get(d1);
  if (!db) {
    db = createDb(guarded(d1, side, name));
    guardedDbs[side].set(d1, db);
  }
  return db;
}

/** The control database: tenants and the shard map, people, credentials, sign-in state (db/sides.ts). */
export const controlDb = (env: ShardEnv): Db => (hasShards(env) ? guardedDb(env.DB, "control", CONTROL_BINDING) : createDb(env.DB));

/** One shard by binding name. `DB` as a shard is the one database of a deployment without shards: not guarded. */
export const shardDb = (env: ShardEnv, name: string): Db => (name === CONTROL_BINDING ? createDb(env.DB) : guardedDb(d1Binding(env, name), "shard", name));

/**
 * How long an isolate trusts a tenant → shard answer. tenant:move flips the map while the tenant's writes are refused
 * and waits this long (plus a margin) before removing the rows from the old shard.
 */
export const SHARD_CACHE_MS = 30_000;
const shardCache = new Map<string, { shard: string; until: number }>();

/** The tenant's shard from the control database, or null for an unknown tenant. */
export async function tenantShard(env: ShardEnv, tenantId: string): Promise<string | null> {
  if (!hasShards(env)) return CONTROL_BINDING;
  const now = Date.now();
  const cached = shardCache.get(tenantId);
  if (cached && cached.until > now) return cached.shard;
  const [row] = await controlDb(env).select({ shard: schema.tenants.shard }).from(schema.tenants).where(eq(schema.tenants.id, tenantId)).limit(1);
  if (!row) return null;
  rememberShard(tenantId, row.shard, now);
  return row.shard;
}

/** Records what a credential check has just read, so the same isolate's next non-request lookup skips the query. */
export function rememberShard(tenantId: string, shard: string, now = Date.now()) {
  if (shardCache.size > 10_000) shardCache.clear();
  shardCache.set(tenantId, { shard, until: now + SHARD_CACHE_MS });
}

/**
 * The tenant's database for code outside a request (Durable Object, queues, cron, retention, tenant data). A tenant
 * unknown to the control database (deleted) gets the first shard, where it has no rows.
 */
export async function tenantDb(env: ShardEnv, tenantId: string): Promise<Db> {
  return shardDb(env, (await tenantShard(env, tenantId)) ?? shardNames(env)[0]);
}

/**
 * Where a new tenant goes: the listed shard with the fewest tenants, the first listed on a tie. Tenant counts rather
 * than D1's `meta.size_after` (bytes): one query on the control database instead of one per shard, the same answer
 * for the same state (tests, retries), and not skewed by free pages a large deletion leaves. A shard that fills up
 * with heavy tenants is rebalanced by moving one (docs/deployment.md#moving-a-tenant).
 */
export async function placeTenant(env: ShardEnv): Promise<string> {
  const names = shardNames(env);
  if (names.length === 1) return names[0];
  const rows = await controlDb(env).select({ shard: schema.tenants.shard, n: sql<number>`count(*)` }).from(schema.tenants).groupBy(schema.tenants.shard);
  const counts = new Map(rows.map((r) => [r.shard, r.n]));
  return names.reduce((best, name) => ((counts.get(name) ?? 0) < (counts.get(best) ?? 0) ? name : best));
}

/** The tenant's context outside a request: its shard and the control database (db/client.ts TenantCtx). */
export async function tenantContext(env: ShardEnv, tenantId: string): Promise<TenantCtx> {
  return tenantCtx(await tenantDb(env, tenantId), tenantId, controlDb(env));
}

/** Every database holding tenant data, for sweeps over all tenants (cron, watchdog): each listed shard, once. */
export function allShardDbs(env: ShardEnv): Array<{ shard: string; db: Db }> {
  return shardNames(env).map((shard) => ({ shard, db: shardDb(env, shard) }));
}
