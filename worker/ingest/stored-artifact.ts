import type { TenantCtx } from "../db/client";
import type { DbtUpload } from "../db/repo/lineage/dbt";
import type { DbtArtifactKind } from "../db/schema/enums";
import { getBlob, putBlob, tenantBlobs, type BlobKind } from "../blobs/store";
import { notFound } from "../lib/errors";
import { storedArtifactStream, type StoredArtifact } from "./artifact";

/** Where dbt artifacts are kept: R2, gzip-compressed, addressed by the SHA-256 of the file as uploaded. */

const blobKindOf: Record<DbtArtifactKind, BlobKind> = { manifest: "dbt-manifest", run_results: "dbt-run-results" };

/** Metadata stored with every artifact blob: its bytes are a gzip stream of the file. */
const gzipMetadata = { encoding: "gzip" };

/**
 * Stores an artifact's gzip stream under the SHA-256 of its uncompressed bytes (once per tenant and content) and
 * returns the R2 key for the upload row: what readArtifact produced, or the D1 chunks the one-off copy read.
 */
export async function storeArtifact(
  ctx: TenantCtx,
  bucket: R2Bucket,
  kind: DbtArtifactKind,
  artifact: Pick<StoredArtifact, "sha256" | "gzip">,
): Promise<string> {
  const { key } = await putBlob(tenantBlobs(bucket, ctx), blobKindOf[kind], artifact.sha256, new Blob(artifact.gzip), gzipMetadata);
  return key;
}

/** The bytes of an upload's artifact as uploaded, streamed from R2 and inflated on the way. */
export async function openStoredArtifact(ctx: TenantCtx, bucket: R2Bucket, upload: DbtUpload, kind: DbtArtifactKind): Promise<ReadableStream<Uint8Array>> {
  const key = kind === "manifest" ? upload.manifestBlobKey : upload.runResultsBlobKey;
  const blob = key ? await getBlob(tenantBlobs(bucket, ctx), key) : null;
  if (!blob) throw notFound(`${kind} of upload ${upload.id}`);
  return storedArtifactStream(blob.body, kind);
}
