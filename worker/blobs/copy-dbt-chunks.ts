import { tenantCtx, type Db } from "../db/client";
import { artifactMovedStatements, artifactsInChunks, deleteArtifactChunks, getDbtUpload, readArtifactChunks } from "../db/repo/lineage/dbt";
import { runBatch } from "../db/statements";
import { storeArtifact } from "../ingest/stored-artifact";

/**
 * The one-off copy of dbt artifacts kept in D1 before R2 (`dbt_artifact_chunks`) into the blob store, for
 * `npm run blobs:migrate` (scripts/blobs-migrate.ts). Per artifact: its chunks, one gzip stream, are put under the
 * tenant's content address of the SHA-256 the upload row recorded; then, in one batch, the row gets the key and the
 * chunks go. Stopped half-way it is run again: what was copied is no longer listed, and a put finds its blob.
 */
export async function copyDbtChunksToBlobs(db: Db, bucket: R2Bucket, opts: { pageSize?: number; onArtifact?: (key: string) => void } = {}) {
  const pageSize = opts.pageSize ?? 50;
  let after = { tenantId: "", uploadId: "", kind: "" };
  let copied = 0;
  let dropped = 0;
  for (;;) {
    const page = await artifactsInChunks(db, after, pageSize);
    if (!page.length) break;
    after = page.at(-1)!;
    for (const { tenantId, uploadId, kind } of page) {
      // Each artifact in its own tenant's context: the tenant of its R2 key is the tenant of its rows.
      const ctx = tenantCtx(db, tenantId);
      const upload = await getDbtUpload(ctx, uploadId);
      const sha256 = kind === "manifest" ? upload?.manifestSha256 : upload?.runResultsSha256;
      if (!upload || !sha256) {
        // Left by an upload whose row was never written (a failed write before R2): nothing can read them.
        await runBatch(ctx, [deleteArtifactChunks(ctx, uploadId, kind)]);
        dropped++;
        continue;
      }
      const key = await storeArtifact(ctx, bucket, kind, { sha256, gzip: await readArtifactChunks(ctx, uploadId, kind) });
      await runBatch(ctx, artifactMovedStatements(ctx, uploadId, kind, key));
      copied++;
      opts.onArtifact?.(key);
    }
  }
  return { copied, dropped };
}
