import { tenantCtx, type TenantCtx } from "../db/client";
import {
  advanceStatement,
  existingAccounts,
  finishStatements,
  getImport,
  insertMissingRowsStatements,
  insertRowsStatements,
  startStatements,
  tenantPresence,
  type TenantImport,
} from "../db/repo/platform/tenant-imports";
import { CONTROL_BINDING, controlDb, d1Binding, hasShards, placeTenant, type ShardEnv, shardDb, shardNames } from "../db/shards";
import { sideOf } from "../db/sides";
import { runBatch, type Stmt } from "../db/statements";
import type { TenantTable } from "../db/tenant-tables";
import { fromBase64, toHex } from "../lib/encoding";
import { PART_SIZE } from "./archive";
import { type ArchiveSource, type ArchiveSummary, blobKeyOf, checkArchive, classify, type MemberProfile, tableRows } from "./import-archive";
import { type TarFile, tarFiles } from "./untar";

/**
 * Loads a tenant export (worker/tenant-data/export.ts) back into a database where the tenant has no rows, keeping
 * every id: the restore of a deleted workspace, and the second half of moving a tenant between databases
 * (docs/operations.md, "Import"). First the whole archive is checked and the target looked at, and nothing is written
 * unless both pass. Then, in the archive's order, pages of rows go in bounded D1 batches that each move the import's
 * position on (db/repo/platform/tenant-imports.ts), blobs go back to their R2 keys, and a last batch writes the tenant
 * row and lifts a finished deletion's lock. A run that stops anywhere is finished by running it again with the same
 * archive. With shards (docs/architecture.md#shards) the import places the tenant when it begins — the operator's
 * shard, or `placeTenant`'s — and records it on the control database beside its position: control-side tables go
 * there, the rest to that shard, and the tenant row written last names it. The run engine needs nothing from the archive: it takes up the tenant's pipelines from D1 when it learns
 * its tenant (durable/runs/scheduling.ts `adoptPipelines`).
 */

/** The target refuses the import (it holds the tenant's rows, another import, a deletion under way). Nothing was written. */
export class ImportRefused extends Error {}

export interface ImportLimits {
  /** Characters of row JSON a D1 batch carries at most (a larger single page goes alone). */
  batchChars: number;
  /** Statements a D1 batch holds at most, the position update included. */
  batchStatements: number;
}

export const defaultImportLimits: ImportLimits = { batchChars: 900_000, batchStatements: 40 };

export interface ImportOptions {
  /** Refuse an archive of any other tenant. */
  expectTenant?: string;
  /** The shard (a D1 binding) a new import puts the tenant on; by default the listed one with the fewest tenants. */
  shard?: string;
  limits?: ImportLimits;
  now?: () => number;
  /** Told each archive file as it is applied. */
  onFile?: (path: string) => void;
}

export interface ImportResult {
  tenantId: string;
  slug: string;
  exportId: string;
  /** The shard the tenant's data is on. */
  shard: string;
  /** `imported`: this run finished it; `already_done`: an earlier run had, and this one wrote nothing. */
  outcome: "imported" | "already_done";
  /** Whether this run continued an import an earlier run had started. */
  resumed: boolean;
  counts: Record<string, number>;
  /** The finished deletion the import lifted (restoring a deleted workspace), or null. */
  liftedDeletion: Record<string, unknown> | null;
}

interface AccountPlan {
  create: MemberProfile[];
  /** Archived user id → the id of the account with the same e-mail. */
  remap: Map<string, string>;
  kept: number;
}

/**
 * Members become accounts of the target: an account with the same id is kept as it is (a person in other workspaces
 * too), one with the same e-mail stands for them (their archived id is replaced by its id in every row), and the rest
 * are created without a password. Nothing of an existing account (password, second factors, name) is changed.
 */
async function planAccounts(ctx: TenantCtx, profiles: MemberProfile[]): Promise<AccountPlan> {
  const existing = await existingAccounts(ctx, profiles);
  const byId = new Set(existing.map((a) => a.id));
  const byEmail = new Map(existing.map((a) => [a.email.toLowerCase(), a.id]));
  const plan: AccountPlan = { create: [], remap: new Map(), kept: 0 };
  for (const p of profiles) {
    const same = byEmail.get(p.email.toLowerCase());
    if (byId.has(p.id)) plan.kept++;
    else if (same) plan.remap.set(p.id, same);
    else plan.create.push(p);
  }
  return plan;
}

async function refuseUnlessEmpty(target: ImportTarget, ctx: TenantCtx, summary: ArchiveSummary) {
  // Every listed shard besides the chosen one: a tenant's rows anywhere (a stopped move, a stopped deletion) refuse it.
  const shards = [ctx.db, ...shardNames(target).map((name) => shardDb(target, name))];
  const found = await tenantPresence(ctx, summary.tenant.slug, [...new Set(shards)]);
  const problems = [
    ...(found.tenantRow ? [`the tenant ${ctx.tenantId} exists`] : []),
    ...(found.tablesWithRows.length ? [`it has rows in ${found.tablesWithRows.join(", ")}`] : []),
    ...(found.deletion === "running" ? ["its deletion is still running (import once it is done)"] : []),
    ...(found.slugOwner && found.slugOwner !== ctx.tenantId ? [`the slug ${summary.tenant.slug} belongs to tenant ${found.slugOwner}`] : []),
  ];
  if (problems.length) throw new ImportRefused(`cannot import tenant ${ctx.tenantId} here: ${problems.join("; ")}. Nothing was written.`);
}

/** The deployment an import writes to: its control database, shards (db/shards.ts) and bucket. */
export type ImportTarget = ShardEnv & { BLOBS: R2Bucket };

/** The shard a new import goes to: the operator's, which must be a bound shard, or the emptiest listed one. */
async function chooseShard(target: ImportTarget, asked: string | undefined): Promise<string> {
  if (asked === undefined) return placeTenant(target);
  if (!hasShards(target)) {
    if (asked !== CONTROL_BINDING) throw new ImportRefused(`this deployment has no shards (TENANT_SHARDS is empty): its tenants are on ${CONTROL_BINDING}`);
    return asked;
  }
  if (asked === CONTROL_BINDING) throw new ImportRefused(`${CONTROL_BINDING} is the control database; name one of the shards ${shardNames(target).join(", ")}`);
  try {
    d1Binding(target, asked);
  } catch {
    throw new ImportRefused(`no D1 binding named ${asked}; the shards are ${shardNames(target).join(", ")}`);
  }
  return asked;
}

/** Begins the import (its row and the new accounts) unless it was begun before; returns its row and the tenant's context. */
async function begin(
  target: ImportTarget,
  tenantId: string,
  summary: ArchiveSummary,
  options: ImportOptions,
  now: number,
): Promise<{ ctx: TenantCtx; row: TenantImport; resumed: boolean; plan: AccountPlan }> {
  const control = controlDb(target);
  const existing = await getImport(tenantCtx(control, tenantId, control));
  if (existing && existing.exportId !== summary.exportId)
    throw new ImportRefused(
      `tenant ${tenantId} already has an import (${existing.status}) of export ${existing.exportId}; this archive is export ${summary.exportId}. Nothing was written.`,
    );
  if (existing && options.shard !== undefined && options.shard !== existing.shard)
    throw new ImportRefused(`tenant ${tenantId}'s import began on ${existing.shard}; run it again without --shard, or with ${existing.shard}`);
  const shard = existing?.shard ?? (await chooseShard(target, options.shard));
  const ctx = tenantCtx(shardDb(target, shard), tenantId, control);
  const plan = await planAccounts(ctx, summary.users);
  if (existing) return { ctx, row: existing, resumed: true, plan };
  await refuseUnlessEmpty(target, ctx, summary);
  const counts = { users_created: plan.create.length, users_kept: plan.kept, users_matched_by_email: plan.remap.size };
  const start = { exportId: summary.exportId, exportedAt: summary.exportedAt, shard, counts, now };
  const [started] = await runBatch(onControl(ctx), startStatements(ctx, start, plan.create));
  const row = await getImport(ctx);
  if (!row || (started?.meta.changes ?? 0) !== 1)
    throw new ImportRefused(`another import of tenant ${ctx.tenantId} started at the same moment; run again to resume it`);
  return { ctx, row, resumed: false, plan };
}

const onControl = (ctx: TenantCtx): TenantCtx => ({ ...ctx, db: ctx.control });

/** A page's rows as arrays for the bulk insert, grouped by the columns they carry (in table order). */
function rowGroups(table: TenantTable, rows: Record<string, unknown>[], remap: Map<string, string>): Map<string, { columns: string[]; rows: unknown[][] }> {
  const groups = new Map<string, { columns: string[]; rows: unknown[][] }>();
  for (const row of rows) {
    const columns = table.columns.filter((c) => c in row);
    const values = columns.map((c) => {
      const value = row[c];
      if (table.blobColumns.includes(c)) return value === null ? null : toHex(fromBase64((value as { $base64: string }).$base64));
      return typeof value === "string" ? (remap.get(value) ?? value) : value;
    });
    const signature = columns.join();
    const group = groups.get(signature) ?? { columns, rows: [] };
    group.rows.push(values);
    groups.set(signature, group);
  }
  return groups;
}

/** Puts an archived blob back at its key unless the key holds it already (keys are content addresses, or one per log version). */
async function putBlobBack(bucket: R2Bucket, key: string, file: TarFile) {
  if (await bucket.head(key)) return;
  if (file.size <= PART_SIZE) {
    await bucket.put(key, await file.bytes(PART_SIZE), { onlyIf: { etagDoesNotMatch: "*" } });
    return;
  }
  const upload = await bucket.createMultipartUpload(key);
  try {
    const parts: R2UploadedPart[] = [];
    for await (const chunk of file.chunks(PART_SIZE)) parts.push(await upload.uploadPart(parts.length + 1, chunk));
    await upload.complete(parts);
  } catch (err) {
    await upload.abort().catch(() => undefined);
    throw err;
  }
}

const payloadChars = (statements: Stmt[]) =>
  statements.reduce((n, s) => n + s.params.reduce<number>((m, p) => m + (typeof p === "string" ? p.length : 8), 0), 0);

/**
 * Imports the archive `source` opens into `target`'s D1 and R2. Throws ArchiveError (the archive is refused) or
 * ImportRefused (the target is) before writing anything; any other error leaves an import that running again with
 * the same archive finishes.
 */
export async function importTenant(target: ImportTarget, source: ArchiveSource, options: ImportOptions = {}): Promise<ImportResult> {
  const now = options.now ?? Date.now;
  const limits = options.limits ?? defaultImportLimits;
  const summary = await checkArchive(source, options.expectTenant);
  const { ctx, row, resumed, plan } = await begin(target, summary.tenant.id, summary, options, now());
  const result = { tenantId: ctx.tenantId, slug: summary.tenant.slug, exportId: summary.exportId, shard: row.shard, resumed };
  if (row.status === "done") return { ...result, outcome: "already_done", counts: row.counts, liftedDeletion: row.liftedDeletion };

  const oneDatabase = ctx.db === ctx.control;
  const counts = { ...row.counts };
  let position = row.position;
  // Control-side statements go in the batch that moves the position; shard-side ones before it, on the shard.
  let pending: Stmt[] = [];
  let pendingShard: Stmt[] = [];
  let pendingTo = position;
  const movedOn = () => new ImportRefused(`another run of this import of tenant ${ctx.tenantId} moved on; stopping this one`);
  const flush = async () => {
    if (pendingTo === position) return;
    if (pendingShard.length) {
      // Rows written where missing apply once however often they are sent; the check keeps a run that lost the race
      // from writing rows of a position that is no longer its own.
      if ((await getImport(ctx))?.position !== position) throw movedOn();
      await runBatch(ctx, pendingShard);
    }
    const results = await runBatch(onControl(ctx), [...pending, advanceStatement(ctx, summary.exportId, position, pendingTo, counts, now())]);
    if ((results.at(-1)?.meta.changes ?? 0) !== 1) throw movedOn();
    position = pendingTo;
    pending = [];
    pendingShard = [];
  };

  for await (const file of tarFiles(await source())) {
    if (file.index < position) continue;
    const path = classify(file.path);
    if (path.kind === "table") {
      const rows = await tableRows(file, path.table, ctx.tenantId);
      const groups = [...rowGroups(path.table, rows, plan.remap).values()];
      // Each control-side statement is guarded by the position its batch starts from, so it is built after deciding on
      // the batch; shard-side ones by their keys (with one database they are control-side too: one batch, as before).
      const onShard = !oneDatabase && sideOf(path.table.name) === "shard";
      const build = () =>
        groups.flatMap((g) =>
          onShard
            ? insertMissingRowsStatements(ctx, path.table, g.columns, g.rows)
            : insertRowsStatements(ctx, path.table, g.columns, g.rows, summary.exportId, position),
        );
      let statements = build();
      const queued = [...pending, ...pendingShard];
      if (queued.length && (queued.length + statements.length + 1 > limits.batchStatements || payloadChars([...queued, ...statements]) > limits.batchChars)) {
        await flush();
        statements = build();
      }
      (onShard ? pendingShard : pending).push(...statements);
      counts[path.table.name] = (counts[path.table.name] ?? 0) + rows.length;
    } else if (path.kind === "blob") {
      await flush();
      await putBlobBack(target.BLOBS, blobKeyOf(ctx.tenantId, path.path), file);
    }
    // tenant.json, the members' profiles and manifest.json were applied when the import began, or are applied at the end.
    pendingTo = file.index + 1;
    options.onFile?.(file.path);
  }
  await flush();
  if (position !== summary.files) throw new Error(`the archive changed between its check and its import (${position} of ${summary.files} files)`);
  const finished = await runBatch(onControl(ctx), finishStatements(ctx, summary.tenant, summary.exportId, position, now()));
  if ((finished[1]?.meta.changes ?? 0) !== 1) throw new ImportRefused(`another run of this import of tenant ${ctx.tenantId} finished it`);
  const done = await getImport(ctx);
  return { ...result, outcome: "imported", counts: done?.counts ?? counts, liftedDeletion: done?.liftedDeletion ?? null };
}
