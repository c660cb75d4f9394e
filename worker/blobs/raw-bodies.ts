import { sha256Hex } from "../lib/hash";
import { gunzip, readStream } from "../lib/gzip";
import { getBlob, putBlob, type TenantBlobs } from "./store";

/**
 * Raw bodies as received — tool webhook payloads and OpenLineage events — kept in the blob store as they arrived
 * (most are small JSON read back whole, so they are not compressed), once per tenant and content. The D1 row keeps
 * the size, the SHA-256 and the key, and is written after the bytes: a put that fails stores no row.
 *
 * Bodies stored together (the events of one OpenLineage request, deliveries written in one group) go into one
 * object, one after another (putRawBodyPack): one put instead of one per body, which is most of what a small body
 * costs to store. Each row names the object and its slice (offset, size); the object is content-addressed like any
 * other, and retention removes it once no row names it. A single body is stored alone under its own address.
 */

export type RawBodyKind = "webhook-payload" | "lineage-event";

export interface StoredRawBody {
  key: string;
  sha256: string;
  bytes: number;
  /** Whether this put wrote the object (false: the same content was there already). */
  created: boolean;
}

/** Puts a body in R2 under its content address; call before writing the row that names the returned key. */
export async function putRawBody(blobs: TenantBlobs, kind: RawBodyKind, body: Uint8Array): Promise<StoredRawBody> {
  const sha256 = await sha256Hex(body);
  const { key, created } = await putBlob(blobs, kind, sha256, body);
  return { key, sha256, bytes: body.byteLength, created };
}

/**
 * Call once the row naming `stored.key` has landed. Retention deletes a body's blob when no row names it; when this
 * write found the blob already there (not created), retention may have checked just before the new row landed and
 * deleted it since, so the bytes, still at hand, are put back (a no-op when the blob is there, as it nearly always is).
 */
export async function keepRawBody(blobs: TenantBlobs, kind: RawBodyKind, stored: StoredRawBody, body: Uint8Array): Promise<void> {
  if (!stored.created) await putBlob(blobs, kind, stored.sha256, body);
}

/** One body's place in the object putRawBodyPack stored: its own hash and size, and where it starts (null: the whole object). */
export interface PackedRawBody {
  sha256: string;
  bytes: number;
  offset: number | null;
}

export interface StoredRawBodyPack {
  /** The object: the key rows name, its content's hash, and whether this put wrote it. */
  object: StoredRawBody;
  /** The bytes put, to put again should retention have removed the object meanwhile (keepRawBody). */
  content: Uint8Array;
  bodies: PackedRawBody[];
}

/**
 * Puts several bodies as one object, the bodies one after another (one body: the body itself, under its own
 * address). Call before writing the rows that name the returned key, each with its body's offset and size.
 * `hashes`: the bodies' SHA-256 (hex) when the caller computed them already, in the same order.
 */
export async function putRawBodyPack(blobs: TenantBlobs, kind: RawBodyKind, bodies: Uint8Array[], known?: string[]): Promise<StoredRawBodyPack> {
  if (!bodies.length) throw new Error("no bodies to store");
  const hashes = known ?? (await Promise.all(bodies.map((b) => sha256Hex(b))));
  if (bodies.length === 1) {
    const { key, created } = await putBlob(blobs, kind, hashes[0], bodies[0]);
    return {
      object: { key, sha256: hashes[0], bytes: bodies[0].byteLength, created },
      content: bodies[0],
      bodies: [{ sha256: hashes[0], bytes: bodies[0].byteLength, offset: null }],
    };
  }
  const content = new Uint8Array(bodies.reduce((n, b) => n + b.byteLength, 0));
  const packed: PackedRawBody[] = [];
  let offset = 0;
  bodies.forEach((b, i) => {
    content.set(b, offset);
    packed.push({ sha256: hashes[i], bytes: b.byteLength, offset });
    offset += b.byteLength;
  });
  return { object: await putRawBody(blobs, kind, content), content, bodies: packed };
}

/** Puts several bodies, at most `parallel` at a time; one result per body, in order (a failed put is its error). */
export async function putRawBodies(
  blobs: TenantBlobs,
  kind: RawBodyKind,
  bodies: Uint8Array[],
  parallel = 32,
): Promise<Array<StoredRawBody | { error: unknown }>> {
  const out: Array<StoredRawBody | { error: unknown }> = new Array(bodies.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < bodies.length; i = next++) {
      try {
        out[i] = await putRawBody(blobs, kind, bodies[i]);
      } catch (error) {
        out[i] = { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, bodies.length) }, worker));
  return out;
}

/** The bytes of a stored body, streamed from R2 and read whole (or its slice of a pack); null when the object is gone. */
export async function readRawBody(blobs: TenantBlobs, key: string, slice?: { offset: number; length: number }): Promise<Uint8Array | null> {
  // An empty body's bytes are known (and R2 takes no empty range).
  if (slice?.length === 0) return new Uint8Array(0);
  const blob = await getBlob(blobs, key, slice);
  return blob && readStream(blob.body);
}

/** Where a row's body is: its R2 key, or for rows from before R2 its legacy D1 text or gzip (until `npm run blobs:migrate`). */
export interface RawBodyRef {
  key: string | null;
  /** Where the body starts in the object under `key` (stored with others: putRawBodyPack); null or absent: the whole object. */
  offset?: number | null;
  /** The body's size as received: a legacy gzip that inflates past it is not what was stored. */
  sizeBytes: number;
  text?: string | null;
  gzip?: Uint8Array | ArrayBuffer | null;
}

/** A row's body as text, from R2 (or the legacy D1 column); null when the bytes are gone. */
export async function readRawText(blobs: TenantBlobs, ref: RawBodyRef): Promise<string | null> {
  if (ref.key) {
    const bytes = await readRawBody(blobs, ref.key, ref.offset != null ? { offset: ref.offset, length: ref.sizeBytes } : undefined);
    return bytes && new TextDecoder().decode(bytes);
  }
  if (ref.text != null) return ref.text;
  if (ref.gzip != null) {
    const gz = ref.gzip instanceof Uint8Array ? ref.gzip : new Uint8Array(ref.gzip);
    // The stored size is the body's own: a blob that inflates past it is not what was stored.
    return new TextDecoder().decode(await gunzip(gz, ref.sizeBytes, "stored body"));
  }
  return null;
}
