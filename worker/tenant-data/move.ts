import { tenantCtx, type TenantCtx } from "../db/client";
import { auditInsert, type AuditSource } from "../db/repo/platform/audit";
import { insertMissingRowsStatements } from "../db/repo/platform/tenant-imports";
import { advanceMove, flipShard, getMove, saveMove, startMove, tenantPlacement, type TenantMove } from "../db/repo/platform/tenant-moves";
import { countTenantRows, deleteTenantRows, tenantRowsPage } from "../db/repo/platform/tenant-rows";
import { CONTROL_BINDING, controlDb, d1Binding, hasShards, SHARD_CACHE_MS, type ShardEnv, shardDb, shardNames } from "../db/shards";
import { sideOf } from "../db/sides";
import { runBatch } from "../db/statements";
import { tenantTables, type TenantTable } from "../db/tenant-tables";
import { toHex } from "../lib/encoding";

/**
 * Moves a tenant's rows from its shard to another (`npm run tenant:move`, docs/deployment.md#moving-a-tenant): a heavy
 * tenant off a full shard, or every tenant off a shard being retired. In order, each resumable from its record
 * (db/repo/platform/tenant-moves.ts), so running the command again finishes a stopped move:
 *
 * 1. the record is written, which refuses the tenant's API writes (503 with Retry-After, middleware/auth.ts);
 * 2. every shard-side table's rows are copied a page at a time, each written where its key is missing (the same
 *    statements as an import's: db/repo/platform/tenant-imports.ts), so a page sent twice writes nothing twice;
 * 3. the rows per table are counted on both shards; a table whose counts differ is copied again;
 * 4. the map (`tenants.shard`) names the new shard, and the move waits SHARD_CACHE_MS and a margin, until no isolate
 *    can still hold the old answer (db/shards.ts); the counts are checked once more for rows that landed late;
 * 5. writes are accepted again, and the old shard's rows are deleted in bounded statements.
 *
 * Control-side rows (members, invitations, SSO, SCIM), R2 objects (keyed by tenant, not shard) and the run engine's
 * Durable Object stay where they are. The tenant's audit log records the start (copied with the rows) and the end.
 */

export class MoveRefused extends Error {}

export interface MoveLimits {
  /** Rows read from the old shard and written to the new one per page. */
  rowsPerPage: number;
  /** Rows one DELETE removes from the old shard at most. */
  rowsPerDelete: number;
}

export const defaultMoveLimits: MoveLimits = { rowsPerPage: 500, rowsPerDelete: 1000 };

/** Beyond SHARD_CACHE_MS: a lookup that started just before the flip, and clock skew between isolates. */
export const CACHE_MARGIN_MS = 15_000;

export interface MoveOptions {
  limits?: MoveLimits;
  now?: () => number;
  /** How long after the flip the old shard may still be written by an isolate's cached answer; tests pin it. */
  cacheWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Told what the move is doing, for the command's output. */
  onProgress?: (message: string) => void;
  /** Who runs the move, as the audit log names them. */
  operator?: string;
}

export interface MoveResult {
  tenantId: string;
  from: string;
  to: string;
  /** `moved`: this run finished a move; `already_there`: the tenant was on `to` with no move under way, nothing changed. */
  outcome: "moved" | "already_there";
  /** Whether this run finished a move an earlier run had started. */
  resumed: boolean;
  /** Rows per table on the new shard, as checked. */
  counts: Record<string, number>;
}

/** The tables a move copies: every table with `tenant_id` that lives on the tenant's shard. */
const movedTables: readonly TenantTable[] = tenantTables.filter((t) => sideOf(t.name) === "shard");

/** How many times the copy goes over tables whose counts differ before the move gives up (and stays locked). */
const MAX_COPY_ROUNDS = 3;

interface CopyCursor {
  /** Names of the tables still to copy, the first in progress. */
  tables?: string[];
  after?: unknown[] | null;
  rounds?: number;
}

/** A D1 value as the bulk insert takes it: bytes as hex (they are stored with unhex), everything else as read. */
function bulkValue(value: unknown, isBlob: boolean): unknown {
  if (!isBlob || value === null) return value;
  if (value instanceof ArrayBuffer) return toHex(new Uint8Array(value));
  if (ArrayBuffer.isView(value)) return toHex(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  return toHex(Uint8Array.from(value as number[]));
}

/** Copies one page of the cursor's current table; returns the cursor after it. */
async function copyPage(from: TenantCtx, to: TenantCtx, c: Required<CopyCursor>, limits: MoveLimits): Promise<Required<CopyCursor>> {
  const [name, ...rest] = c.tables;
  const table = movedTables.find((t) => t.name === name) as TenantTable;
  const rows = await tenantRowsPage(from, table, c.after, limits.rowsPerPage);
  if (rows.length) {
    const values = rows.map((row) => table.columns.map((column) => bulkValue(row[column], table.blobColumns.includes(column))));
    await runBatch(to, insertMissingRowsStatements(to, table, table.columns, values));
  }
  if (rows.length < limits.rowsPerPage) return { ...c, tables: rest, after: null };
  const last = rows[rows.length - 1] as Record<string, unknown>;
  return { ...c, after: table.keyColumns.map((k) => last[k]) };
}

/** Rows per moved table on a shard. */
async function countsOn(ctx: TenantCtx): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of movedTables) out[table.name] = await countTenantRows(ctx, table.name);
  return out;
}

/** Tables with fewer rows on the new shard than on the old one. */
const behind = (old: Record<string, number>, moved: Record<string, number>) => movedTables.map((t) => t.name).filter((n) => (moved[n] ?? 0) < (old[n] ?? 0));

/** Copies what the cursor names until every table is copied and the counts agree. */
async function copyAll(
  control: TenantCtx["control"],
  from: TenantCtx,
  to: TenantCtx,
  move: TenantMove,
  options: Required<Pick<MoveOptions, "now">> & MoveOptions,
  limits: MoveLimits,
) {
  let c: Required<CopyCursor> = { tables: movedTables.map((t) => t.name), after: null, rounds: 0, ...(move.cursor as CopyCursor) };
  for (;;) {
    while (c.tables.length) {
      c = await copyPage(from, to, c, limits);
      await saveMove(control, move.tenantId, "copying", { cursor: { ...c }, now: options.now() });
    }
    const [old, moved] = [await countsOn(from), await countsOn(to)];
    const late = behind(old, moved);
    const extra = movedTables.map((t) => t.name).filter((n) => (moved[n] ?? 0) > (old[n] ?? 0));
    if (!late.length && !extra.length) return moved;
    if (extra.length || c.rounds + 1 >= MAX_COPY_ROUNDS)
      throw new MoveRefused(
        `the row counts of ${[...late, ...extra].map((n) => `${n} (${old[n]} on ${move.fromShard}, ${moved[n]} on ${move.toShard})`).join(", ")} ` +
          "still differ: something wrote to the tenant during the move (its run engine or a queue). The tenant's API writes stay refused; run the command again.",
      );
    options.onProgress?.(`  copying again what was written meanwhile: ${late.join(", ")}`);
    c = { tables: late, after: null, rounds: c.rounds + 1 };
  }
}

const operatorSource = (operator: string, now: number): AuditSource => ({
  principal: { actor: { type: "system", id: "tenant:move", label: operator } },
  ip: null,
  requestId: null,
  now,
});

function checkTarget(env: ShardEnv, to: string) {
  if (!hasShards(env)) throw new MoveRefused(`this deployment has no shards (TENANT_SHARDS is empty): every tenant is on ${CONTROL_BINDING}`);
  if (to === CONTROL_BINDING) throw new MoveRefused(`${CONTROL_BINDING} is the control database; move the tenant to one of ${shardNames(env).join(", ")}`);
  try {
    d1Binding(env, to);
  } catch {
    throw new MoveRefused(`no D1 binding named ${to}; the shards are ${shardNames(env).join(", ")}`);
  }
}

/**
 * Moves tenant `tenantId`'s shard-side rows to shard `to`, or finishes a move of it that stopped. Throws MoveRefused
 * when it cannot (nothing is changed unless a move of this tenant was already under way).
 */
export async function moveTenant(env: ShardEnv, tenantId: string, to: string, options: MoveOptions = {}): Promise<MoveResult> {
  const now = options.now ?? Date.now;
  const limits = options.limits ?? defaultMoveLimits;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const cacheWaitMs = options.cacheWaitMs ?? SHARD_CACHE_MS + CACHE_MARGIN_MS;
  const progress = options.onProgress ?? (() => undefined);
  const operator = options.operator ?? "operator (tenant:move)";
  checkTarget(env, to);
  const control = controlDb(env);
  const placement = await tenantPlacement(control, tenantId);
  if (!placement) throw new MoveRefused(`no tenant ${tenantId}`);
  let move = await getMove(control, tenantId);
  const underWay = move !== null && move.status !== "done";
  if (move && underWay && move.toShard !== to)
    throw new MoveRefused(`tenant ${tenantId} is being moved to ${move.toShard}; finish that move first (--to ${move.toShard})`);
  if (!underWay) {
    if (placement.shard === to) return { tenantId, from: to, to, outcome: "already_there", resumed: false, counts: {} };
    if (placement.deleting) throw new MoveRefused(`tenant ${tenantId} is being deleted`);
    const from = placement.shard;
    const fromCtx = tenantCtx(shardDb(env, from), tenantId, control);
    if (!(await startMove(control, { tenantId, from, to, now: now() }))) throw new MoveRefused(`another move of tenant ${tenantId} started at the same moment`);
    // Written on the old shard before the copy, so it travels with the rows.
    await auditInsert(fromCtx, operatorSource(operator, now()), {
      action: "workspace.move_started",
      targetType: "tenant",
      targetId: tenantId,
      details: { from, to },
    });
    move = await getMove(control, tenantId);
  }
  if (!move) throw new Error(`the move record of ${tenantId} vanished`);
  const resumed = underWay;
  const fromCtx = tenantCtx(shardDb(env, move.fromShard), tenantId, control);
  const toCtx = tenantCtx(shardDb(env, move.toShard), tenantId, control);
  progress(
    `${resumed ? "Finishing the move" : "Moving"} tenant ${tenantId} from ${move.fromShard} to ${move.toShard}; its API writes are refused until the switch.`,
  );

  let counts = move.counts;
  if (move.status === "copying") {
    counts = await copyAll(control, fromCtx, toCtx, move, { ...options, now }, limits);
    progress(`  copied and counted ${Object.values(counts).reduce((n, c) => n + c, 0)} rows in ${Object.keys(counts).length} tables`);
    const flippedAt = now();
    await flipShard(control, move, counts, flippedAt);
    move = { ...move, status: "flipped", flippedAt };
  }
  if (move.status === "flipped") {
    const wait = (move.flippedAt ?? 0) + cacheWaitMs - now();
    if (wait > 0) {
      progress(`  ${move.toShard} now holds the tenant; waiting ${Math.ceil(wait / 1000)} s for every cached answer naming ${move.fromShard} to expire`);
      await sleep(wait);
    }
    // An isolate that wrote through its cached answer just before it expired: copy what it wrote before deleting.
    const late = behind(await countsOn(fromCtx), await countsOn(toCtx));
    for (const name of late)
      for (let c: Required<CopyCursor> = { tables: [name], after: null, rounds: 0 }; c.tables.length; ) c = await copyPage(fromCtx, toCtx, c, limits);
    await advanceMove(control, tenantId, "flipped", "removing", now());
    move = { ...move, status: "removing" };
    progress(`  writes are accepted again; removing the rows from ${move.fromShard}`);
  }
  if (move.status === "removing") {
    for (const table of movedTables) while ((await deleteTenantRows(fromCtx, table.name, limits.rowsPerDelete)) === limits.rowsPerDelete);
    counts = await countsOn(toCtx);
    await auditInsert(toCtx, operatorSource(operator, now()), {
      action: "workspace.moved",
      targetType: "tenant",
      targetId: tenantId,
      details: { from: move.fromShard, to: move.toShard, rows: Object.values(counts).reduce((n, c) => n + c, 0) },
    });
    await advanceMove(control, tenantId, "removing", "done", now());
  }
  return { tenantId, from: move.fromShard, to: move.toShard, outcome: "moved", resumed, counts };
}
