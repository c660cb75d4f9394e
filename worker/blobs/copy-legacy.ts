import type { Env } from "../env";
import { createDb, tenantCtx, type Db } from "../db/client";
import { CONTROL_BINDING, d1Binding, shardNames } from "../db/shards";
import { getDbtUpload } from "../db/repo/lineage/dbt";
import {
  artifactMovedStatements,
  artifactsInChunks,
  bodyMovedStatement,
  chunksTableExists,
  deleteArtifactChunks,
  eventBodiesInD1,
  payloadsInD1,
  readArtifactChunks,
  type Cursor,
  type LegacyBody,
} from "../db/repo/platform/legacy-bodies";
import { runBatch } from "../db/statements";
import { storeArtifact } from "../ingest/stored-artifact";
import { utf8 } from "../lib/encoding";
import { gunzip } from "../lib/gzip";
import { putRawBodies, type RawBodyKind } from "./raw-bodies";
import { tenantBlobs } from "./store";

/**
 * The one-off copy of bytes kept in D1 before R2 into the blob store, for `npm run blobs:migrate`
 * (scripts/blobs-migrate.ts): dbt artifact pieces, webhook payloads and raw lineage event bodies. Each is put under
 * its tenant's content address first; then its row gets the key and loses its D1 copy in one statement or batch.
 * Stopped half-way it is run again: what was copied is no longer listed, and a put finds its blob. Run it before
 * applying migration 0025, which drops `dbt_artifact_chunks` (0024 refuses to go on while it has rows) (docs/deployment.md).
 */

export interface CopyProgress {
  onKey?: (key: string) => void;
  pageSize?: number;
}

export interface CopyResult {
  artifacts: number;
  /** Chunks no upload row names (left by writes that failed before R2): nothing can read them, so they are dropped. */
  droppedArtifacts: number;
  webhookPayloads: number;
  lineageEvents: number;
}

/**
 * The copy on every database that may hold tenants' rows: the control database (the only one of a deployment from
 * before shards, where these bytes were written) and each shard. Unguarded handles: on the control database of a
 * sharded deployment the tenant tables are simply empty.
 */
export async function copyLegacyBodiesEverywhere(
  env: { DB: D1Database; TENANT_SHARDS?: string },
  bucket: R2Bucket,
  opts: CopyProgress = {},
): Promise<CopyResult> {
  const total: CopyResult = { artifacts: 0, droppedArtifacts: 0, webhookPayloads: 0, lineageEvents: 0 };
  for (const name of new Set([CONTROL_BINDING, ...shardNames(env as Env)])) {
    const done = await copyLegacyBodiesToBlobs(createDb(d1Binding(env as Env, name)), bucket, opts);
    for (const k of Object.keys(total) as Array<keyof CopyResult>) total[k] += done[k];
  }
  return total;
}

export async function copyLegacyBodiesToBlobs(db: Db, bucket: R2Bucket, opts: CopyProgress = {}): Promise<CopyResult> {
  const chunks = (await chunksTableExists(db)) ? await copyDbtChunks(db, bucket, opts) : { copied: 0, dropped: 0 };
  const webhookPayloads = await copyBodies(db, bucket, opts, "webhook-payload", "webhook_deliveries", payloadsInD1);
  const lineageEvents = await copyBodies(db, bucket, opts, "lineage-event", "lineage_events", eventBodiesInD1);
  return { artifacts: chunks.copied, droppedArtifacts: chunks.dropped, webhookPayloads, lineageEvents };
}

async function copyDbtChunks(db: Db, bucket: R2Bucket, opts: CopyProgress) {
  let after: Cursor = { tenantId: "", id: "", kind: "" };
  let copied = 0;
  let dropped = 0;
  for (;;) {
    const page = await artifactsInChunks(db, after, opts.pageSize ?? 50);
    if (!page.length) break;
    const last = page.at(-1)!;
    after = { tenantId: last.tenantId, id: last.uploadId, kind: last.kind };
    for (const { tenantId, uploadId, kind } of page) {
      // Each artifact in its own tenant's context: the tenant of its R2 key is the tenant of its rows.
      const ctx = tenantCtx(db, tenantId);
      const upload = await getDbtUpload(ctx, uploadId);
      const sha256 = kind === "manifest" ? upload?.manifestSha256 : upload?.runResultsSha256;
      if (!upload || !sha256) {
        await runBatch(ctx, [deleteArtifactChunks(ctx, uploadId, kind)]);
        dropped++;
        continue;
      }
      const key = await storeArtifact(ctx, bucket, kind, { sha256, gzip: await readArtifactChunks(ctx, uploadId, kind) });
      await runBatch(ctx, artifactMovedStatements(ctx, uploadId, kind, key));
      copied++;
      opts.onKey?.(key);
    }
  }
  return { copied, dropped };
}

/** The bytes of a legacy body as received: the D1 text (UTF-8), or its gzip inflated (bounded by the recorded size). */
const bytesOf = async (b: LegacyBody): Promise<Uint8Array> => (b.text !== null ? utf8(b.text) : gunzip(b.gzip!, b.sizeBytes, "stored body"));

async function copyBodies(
  db: Db,
  bucket: R2Bucket,
  opts: CopyProgress,
  kind: RawBodyKind,
  table: "webhook_deliveries" | "lineage_events",
  list: (db: Db, after: Cursor, limit: number) => Promise<LegacyBody[]>,
): Promise<number> {
  let after: Cursor = { tenantId: "", id: "", kind: "" };
  let copied = 0;
  for (;;) {
    const page = await list(db, after, opts.pageSize ?? 50);
    if (!page.length) break;
    after = { tenantId: page.at(-1)!.tenantId, id: page.at(-1)!.id, kind: "" };
    // One tenant at a time: keys and statements are built in the context of the tenant the rows belong to.
    for (const tenantId of new Set(page.map((b) => b.tenantId))) {
      const ctx = tenantCtx(db, tenantId);
      const rows = page.filter((b) => b.tenantId === tenantId);
      const puts = await putRawBodies(tenantBlobs(bucket, ctx), kind, await Promise.all(rows.map(bytesOf)));
      const moved = rows.map((row, i) => {
        const put = puts[i];
        // A failed put stops the copy before any row of this tenant's page changes: run it again.
        if ("error" in put) throw put.error;
        opts.onKey?.(put.key);
        return bodyMovedStatement(ctx, table, row.id, put);
      });
      await runBatch(ctx, moved);
      copied += moved.length;
    }
  }
  return copied;
}
