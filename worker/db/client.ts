import type { BatchItem } from "drizzle-orm/batch";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import * as schema from "./schema";
import { sideOf } from "./sides";

export type Db = DrizzleD1Database<typeof schema>;

/** The database of a shard by its binding name (db/shards.ts `shardDb`). */
export type ShardOf = (shard: string) => Db;

/**
 * The tenant context every repository function takes first: nothing tenant-owned is read or written without it.
 * `db` is the tenant's shard; `control` the control database (people, memberships, credentials: db/sides.ts), the
 * same database where a deployment has no shards.
 */
export interface TenantCtx {
  db: Db;
  tenantId: string;
  control: Db;
}

/**
 * One drizzle instance per D1 binding and isolate: building one walks the whole schema (most of a millisecond of
 * CPU per request), and it holds nothing of a request's own, only the binding.
 */
const instances = new WeakMap<D1Database, Db>();

export function createDb(d1: D1Database): Db {
  let db = instances.get(d1);
  if (!db) {
    db = drizzle(d1, { schema });
    instances.set(d1, db);
  }
  return db;
}

export const tenantCtx = (db: Db, tenantId: string, control: Db = db): TenantCtx => ({ db, tenantId, control });

/** The context whose `db` is the database `table` lives on (db/sides.ts): the control database or the tenant's shard. */
export const ctxFor = (ctx: TenantCtx, table: string): TenantCtx => (sideOf(table) === "control" ? { ...ctx, db: ctx.control } : ctx);

type Statements = BatchItem<"sqlite">[];

/**
 * A write touching both sides: the control database's statements, then the shard's (each list built on its own
 * database: a drizzle statement runs where it was built). Where the two are one database this is the one batch it
 * always was. Across two databases nothing makes the pair atomic: the control side goes first because it is the one
 * that grants or takes rights (a token, a membership), and the shard's part is the record of it (audit entries, team
 * rows) that a retry writes again; docs/architecture.md#shards.
 */
export async function batchSides(ctx: TenantCtx, control: Statements, shard: Statements): Promise<void> {
  if (ctx.control === ctx.db) {
    const all = [...control, ...shard];
    if (all.length) await ctx.db.batch(all as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
    return;
  }
  if (control.length) await ctx.control.batch(control as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  if (shard.length) await ctx.db.batch(shard as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
}

/** Statements for several databases, keyed by the database each was built on. */
export type StatementsByDb = Map<Db, Statements>;

/** Adds a statement to its database's list. */
export function addStatement(byDb: StatementsByDb, db: Db, statement: BatchItem<"sqlite">) {
  const list = byDb.get(db);
  if (list) list.push(statement);
  else byDb.set(db, [statement]);
}

/**
 * batchSides for a change of a person rather than of one workspace (a password reset, a second factor changed): the
 * control database's statements, then one batch per shard holding the person's workspaces (their audit entries).
 * With one database it is one batch. The control side goes first for the same reason as in batchSides.
 */
export async function batchEverywhere(control: Db, controlStatements: Statements, shards: StatementsByDb): Promise<void> {
  const rest = [...shards].filter(([db, list]) => db !== control && list.length);
  const first = [...controlStatements, ...(shards.get(control) ?? [])];
  if (first.length) await control.batch(first as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  for (const [db, list] of rest) await db.batch(list as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
}
