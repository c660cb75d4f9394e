/**
 * Raw bytes kept in R2 (the `BLOBS` binding). Most are addressed by content: `t/<tenant>/<kind>/<sha256>`, the same
 * content of one kind stored once per tenant. A task attempt's log grows while the attempt runs, so it has one key
 * per attempt instead (`t/<tenant>/task-log/<run>/<task>/<attempt>/<version>`), a new version as it grows. D1 rows keep the key.
 * The tenant in a key comes only from the tenant context the store was opened with, never from input, and a key of
 * another tenant is refused when read.
 */

export const blobKinds = ["dbt-manifest", "dbt-run-results", "webhook-payload", "lineage-event", "task-log"] as const;
export type BlobKind = (typeof blobKinds)[number];

/** One tenant's view of the bucket: every key it builds or reads lies under `t/<tenantId>/`. */
export interface TenantBlobs {
  bucket: R2Bucket;
  tenantId: string;
}

/** The blob store of the tenant in `ctx` (the tenant context of the request, message or row being handled). */
export function tenantBlobs(bucket: R2Bucket, ctx: { tenantId: string }): TenantBlobs {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(ctx.tenantId)) throw new Error(`not a tenant id: ${JSON.stringify(ctx.tenantId)}`);
  return { bucket, tenantId: ctx.tenantId };
}

const sha256Pattern = /^[0-9a-f]{64}$/;

/** The key of `kind` content whose SHA-256 (lowercase hex) is `sha256`, in this tenant's space. */
export function blobKey(blobs: TenantBlobs, kind: BlobKind, sha256: string): string {
  if (!(blobKinds as readonly string[]).includes(kind)) throw new Error(`unknown blob kind ${kind}`);
  if (!sha256Pattern.test(sha256)) throw new Error("a blob is addressed by the lowercase hex SHA-256 of its content");
  return `${prefixOf(blobs)}${kind}/${sha256}`;
}

/**
 * The key of one fetch (`version`) of a task attempt's log. The task key is encoded, so no task name can reach outside
 * the attempt; each fetch writes a key of its own, so a late write can never overwrite the log the D1 row names.
 */
export function attemptLogKey(blobs: TenantBlobs, ref: { runId: string; taskKey: string; attempt: number }, version: number): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(ref.runId) || !Number.isInteger(ref.attempt) || ref.attempt < 1 || !Number.isInteger(version))
    throw new Error("not a task attempt");
  return `${prefixOf(blobs)}task-log/${ref.runId}/${encodeURIComponent(ref.taskKey)}/${ref.attempt}/${version}`;
}

const prefixOf = (blobs: TenantBlobs) => `t/${blobs.tenantId}/`;

/** Refuses a key outside this tenant's space: a stored key is only ever read back by its own tenant. */
function ownKey(blobs: TenantBlobs, key: string): string {
  if (!key.startsWith(prefixOf(blobs)) || key.includes("..")) throw new Error("blob key outside the tenant's space");
  return key;
}

export type BlobBody = Uint8Array | ArrayBuffer | Blob | string;

/** Bodies up to this size go straight to the conditional put; larger ones are looked for first so their bytes are not sent again. */
const SMALL_BODY_BYTES = 256 * 1024;

const sizeOf = (body: BlobBody) => (typeof body === "string" ? body.length * 3 : body instanceof Blob ? body.size : body.byteLength);

/**
 * Stores `body` under the key of (`kind`, `sha256`) unless that key already holds it: identical content arrives once
 * per tenant however often it is sent, and concurrent copies write the same bytes at most once (conditional put).
 * `sha256` names the content the caller hashed (for a compressed body, the content before compression).
 * Returns the key and whether this call wrote it.
 */
export async function putBlob(
  blobs: TenantBlobs,
  kind: BlobKind,
  sha256: string,
  body: BlobBody,
  metadata: Record<string, string> = {},
): Promise<{ key: string; created: boolean }> {
  const key = blobKey(blobs, kind, sha256);
  if (sizeOf(body) > SMALL_BODY_BYTES && (await blobs.bucket.head(key))) return { key, created: false };
  const put = await blobs.bucket.put(key, body, { onlyIf: { etagDoesNotMatch: "*" }, customMetadata: metadata });
  return { key, created: put !== null };
}

/** Writes `body` under a key of this tenant that names its object rather than its content (attemptLogKey). */
export async function replaceBlob(blobs: TenantBlobs, key: string, body: BlobBody, metadata: Record<string, string> = {}): Promise<void> {
  await blobs.bucket.put(ownKey(blobs, key), body, { customMetadata: metadata });
}

/** The stored bytes under `key` (from byte `offset` on), streamed, with the metadata they were stored with; null when absent. */
export async function getBlob(
  blobs: TenantBlobs,
  key: string,
  range?: { offset: number; length?: number },
): Promise<{ body: ReadableStream<Uint8Array>; size: number; metadata: Record<string, string> } | null> {
  const object = await blobs.bucket.get(ownKey(blobs, key), range ? { range } : undefined);
  if (!object) return null;
  return { body: object.body, size: object.size, metadata: object.customMetadata ?? {} };
}

/**
 * Removes `key` (or several keys, at most 1000 per call). Content-addressed blobs can be shared by several rows: delete
 * only when no row names the key (retention: worker/retention/sweep.ts).
 */
export async function deleteBlob(blobs: TenantBlobs, key: string | string[]): Promise<void> {
  const keys = (Array.isArray(key) ? key : [key]).map((k) => ownKey(blobs, k));
  if (keys.length) await blobs.bucket.delete(keys);
}
