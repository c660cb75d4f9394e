import { tenantCtx, type TenantCtx } from "../db/client";
import { claimDeletionStep, saveDeletionStep, unfinishedExportCursors, type TenantDeletion } from "../db/repo/platform/tenant-jobs";
import { countTenantRows, deleteTenantRow, deleteTenantRows, deleteUsersOnlyHere } from "../db/repo/platform/tenant-rows";
import { controlDb, shardDb, shardNames, tenantShard } from "../db/shards";
import { sideOf } from "../db/sides";
import { deletedTables, type TenantTable } from "../db/tenant-tables";
import { tenantRuns } from "../durable/client";
import { unwrap } from "../durable/result";
import type { Env } from "../env";
import { abortArchive, type ArchiveState } from "./archive";
import { STEP_LEASE_MS } from "./export";

/**
 * A tenant's deletion, a bounded step at a time, in this order: the run engine (its Durable Object storage and alarm,
 * so nothing new starts), unfinished export uploads, every R2 object under `t/<tenant>/`, users who belong to no other
 * tenant, the rows of every table with a `tenant_id` (db/tenant-tables.ts), the tenant row; then a check that nothing
 * is left, which starts over if something was written meanwhile (a queue message in flight when the deletion began).
 * The `tenant_deletions` row, written when the owner asked, is the lock and stays as the record (docs/operations.md).
 *
 * Each table is emptied on its side (db/sides.ts): control tables on the control database, the rest on every shard the
 * tenant may have rows on — the one the map names, taken when the deletion begins (the map's row goes with the
 * tenant), and every listed shard besides, so a move that stopped half-way leaves nothing behind either.
 */

export interface DeleteLimits {
  /** Rows a single DELETE removes at most. */
  rowsPerStatement: number;
  /** Rows a step removes at most. */
  rowsPerStep: number;
  /** Users, or R2 objects, a step handles at most. */
  objectsPerStep: number;
}

export const defaultDeleteLimits: DeleteLimits = { rowsPerStatement: 1000, rowsPerStep: 10_000, objectsPerStep: 1000 };

/** The passes over everything a deletion makes at most before it reports the tenant as not yet empty. */
const MAX_VERIFY_ROUNDS = 5;

type Phase = "durable" | "uploads" | "blobs" | "users" | "tables" | "tenant" | "verify";

interface DeleteCursor {
  phase: Phase;
  /** Position in `emptied(shards)`. */
  table: number;
  afterUser: string | null;
  rounds: number;
  /** The shards the deletion empties, fixed by its first step. */
  shards: string[] | null;
}

const freshCursor = (): DeleteCursor => ({ phase: "durable", table: 0, afterUser: null, rounds: 0, shards: null });

/** Every (database, table) the deletion empties: control tables once, shard tables on each of `shards`. */
const emptied = (shards: string[]): Array<{ shard: string | null; table: TenantTable }> =>
  deletedTables.flatMap((table) => (sideOf(table.name) === "control" ? [{ shard: null as string | null, table }] : shards.map((shard) => ({ shard, table }))));

/** The shards to empty: the tenant's (while the map still names it) and every listed one, each once. */
async function shardsToEmpty(env: Env, tenantId: string): Promise<string[]> {
  const own = await tenantShard(env, tenantId);
  return [...new Set([...(own ? [own] : []), ...shardNames(env)])];
}

const add = (removed: Record<string, number>, key: string, n: number) => {
  if (n > 0) removed[key] = (removed[key] ?? 0) + n;
};

/** Runs the next step of the tenant's deletion if no other delivery holds it. Returns whether more steps remain. */
export async function runDeletionStep(env: Env, tenantId: string, now: number, limits: DeleteLimits = defaultDeleteLimits): Promise<{ more: boolean }> {
  const db = controlDb(env);
  const row = await claimDeletionStep(db, tenantId, now, now + STEP_LEASE_MS);
  if (!row) return { more: false };
  const cursor: DeleteCursor = { ...freshCursor(), ...(row.cursor as Partial<DeleteCursor>) };
  cursor.shards ??= await shardsToEmpty(env, tenantId);
  const shards = cursor.shards;
  // `db` is the shard the tenant's own rows are on (its exports' uploads); the tables phase names each shard itself.
  const ctx = tenantCtx(shardDb(env, shards[0] as string), tenantId, db);
  const removed = { ...row.removed };
  const done = await deletionStep(env, ctx, row, cursor, removed, limits);
  await saveDeletionStep(db, tenantId, { cursor: { ...cursor }, removed, now, done });
  return { more: !done };
}

async function deletionStep(
  env: Env,
  ctx: TenantCtx,
  row: TenantDeletion,
  c: DeleteCursor,
  removed: Record<string, number>,
  limits: DeleteLimits,
): Promise<boolean> {
  const prefix = `t/${ctx.tenantId}/`;
  switch (c.phase) {
    case "durable":
      unwrap(await tenantRuns(env, ctx.tenantId).wipe(ctx.tenantId));
      c.phase = "uploads";
      return false;
    case "uploads":
      // Multipart uploads of exports that had not finished are not objects a listing finds: abort them by id.
      for (const cursor of await unfinishedExportCursors(ctx)) {
        const archive = cursor.archive as ArchiveState | null | undefined;
        // An upload that finished meanwhile cannot be aborted; its object goes with the tenant's prefix.
        if (archive) await abortArchive(env.BLOBS, archive).catch(() => undefined);
      }
      c.phase = "blobs";
      return false;
    case "blobs": {
      const listing = await env.BLOBS.list({ prefix, limit: limits.objectsPerStep });
      const keys = listing.objects.map((o) => o.key);
      if (keys.length) await env.BLOBS.delete(keys);
      add(removed, "r2_objects", keys.length);
      if (!listing.truncated) c.phase = "users";
      return false;
    }
    case "users": {
      const page = await deleteUsersOnlyHere(ctx, c.afterUser, limits.objectsPerStep);
      add(removed, "users", page.deleted);
      c.afterUser = page.scanned;
      if (page.scanned === null) c.phase = "tables";
      return false;
    }
    case "tables": {
      const targets = emptied(c.shards ?? []);
      let budget = limits.rowsPerStep;
      while (budget > 0 && c.table < targets.length) {
        const { shard, table } = targets[c.table] as (typeof targets)[number];
        const limit = Math.min(limits.rowsPerStatement, budget);
        const n = await deleteTenantRows(onShard(env, ctx, shard), table.name, limit);
        add(removed, table.name, n);
        budget -= n;
        if (n < limit) c.table++;
      }
      if (c.table >= targets.length) c.phase = "tenant";
      return false;
    }
    case "tenant":
      add(removed, "tenants", await deleteTenantRow(ctx));
      c.phase = "verify";
      return false;
    case "verify": {
      const left = await leftovers(env, ctx, c.shards ?? [], prefix);
      if (left === 0 || c.rounds + 1 >= MAX_VERIFY_ROUNDS) {
        if (left > 0) add(removed, "left_after_verify", left);
        return true;
      }
      // Something was written while the deletion ran (a message already in flight): go over everything once more.
      Object.assign(c, { ...freshCursor(), phase: "blobs", rounds: c.rounds + 1, shards: c.shards });
      return false;
    }
    default: {
      const never: never = c.phase;
      throw new Error(`unknown deletion phase ${String(never)} of ${row.tenantId}`);
    }
  }
}

/** `ctx` with `db` the shard `shard` (null: a control table, which ctxFor sends to `ctx.control`). */
const onShard = (env: Env, ctx: TenantCtx, shard: string | null): TenantCtx => (shard === null ? ctx : { ...ctx, db: shardDb(env, shard) });

/** Rows in any tenant table, on any database the deletion empties, and R2 objects that still belong to the tenant. */
async function leftovers(env: Env, ctx: TenantCtx, shards: string[], prefix: string): Promise<number> {
  let n = (await env.BLOBS.list({ prefix, limit: 1 })).objects.length;
  for (const { shard, table } of emptied(shards)) n += await countTenantRows(onShard(env, ctx, shard), table.name);
  return n;
}
