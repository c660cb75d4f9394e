import { ApiError } from "../lib/errors";
import { toHex } from "../lib/encoding";
import { createJsonSelector, JsonStreamError, type SelectedValue } from "./json-stream";
import { inflateBounded, limitBytes } from "../lib/gzip";

/**
 * One pass over an uploaded artifact: the bytes are counted (limit), hashed (content address and dedupe),
 * gzip-compressed (what R2 keeps, worker/ingest/stored-artifact.ts), and fed to a streaming JSON selector (parsing),
 * all as they arrive. A file that is itself gzip-compressed (`manifest.json.gz`) is recognised by its magic bytes and
 * inflated first.
 */

/** Largest artifact accepted after decompression. Manifests of very large projects reach 100+ MB. */
export const MAX_ARTIFACT_BYTES = 256 * 1024 * 1024;

export interface StoredArtifact {
  /** Size and SHA-256 of the artifact as uploaded (after inflating a .gz upload). */
  bytes: number;
  sha256: string;
  /** The artifact as one gzip stream, in the pieces the compressor produced (≈10 MB for a 100 MB manifest). */
  gzip: Uint8Array[];
}

/** The original bytes of a stored artifact from its gzip stream, never more than MAX_ARTIFACT_BYTES. */
export function storedArtifactStream(gzip: ReadableStream<Uint8Array>, label: string): ReadableStream<Uint8Array> {
  return inflateBounded(gzip, "gzip", MAX_ARTIFACT_BYTES, label);
}

export type ArtifactBody = ReadableStream<Uint8Array> | Blob | ArrayBuffer | Uint8Array | string | Record<string, unknown>;

function toStream(body: ArtifactBody): ReadableStream<Uint8Array> {
  if (body instanceof ReadableStream) return body;
  if (body instanceof Blob) return body.stream();
  if (body instanceof Uint8Array || body instanceof ArrayBuffer) return new Blob([body]).stream();
  if (typeof body === "string") return new Blob([body]).stream();
  // A parsed object (the JSON upload form, a connector that already parsed it) is stored as its JSON text.
  return new Blob([JSON.stringify(body)]).stream();
}

/** The artifact's bytes, inflated when it is a gzip file, and failing with 413 past `max` bytes either way. */
async function boundedContent(stream: ReadableStream<Uint8Array>, max: number, label: string): Promise<ReadableStream<Uint8Array>> {
  const reader = stream.getReader();
  const first = await reader.read();
  const head = first.done ? new Uint8Array(0) : first.value;
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.length) controller.enqueue(head);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  const gzipped = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  return gzipped ? inflateBounded(rest, "gzip", max, label) : limitBytes(rest, max, label);
}

/**
 * Reads an artifact once: compresses it for storage and hands the selected JSON values to `onValue`.
 * `label` prefixes error paths (`manifest`, `run_results`).
 */
export async function readArtifact(
  body: ArtifactBody,
  label: string,
  paths: string[],
  onValue: (v: SelectedValue) => void,
  onTopKey: (key: string) => void,
  maxBytes = MAX_ARTIFACT_BYTES,
): Promise<StoredArtifact> {
  const source = await boundedContent(toStream(body), maxBytes, label);
  const selector = createJsonSelector(paths, onValue, onTopKey);
  const digest = new crypto.DigestStream("SHA-256");
  const digestWriter = digest.getWriter();
  const compressor = new CompressionStream("gzip");
  const compressWriter = compressor.writable.getWriter();
  const gzip: Uint8Array[] = [];
  // On a failed upload both streams are aborted; their promises must not surface as unhandled rejections.
  digest.digest.catch(() => {});
  const collected = (async () => {
    const reader = compressor.readable.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      gzip.push(value);
    }
  })();

  const invalid = (message: string) => new ApiError("validation_failed", `${label}: ${message}`, [{ path: label, message }]);
  const reader = source.getReader();
  let bytes = 0;
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (err) {
        if (err instanceof ApiError) throw err;
        throw invalid("could not be decompressed (corrupt gzip data)");
      }
      if (next.done) break;
      const chunk = next.value;
      bytes += chunk.byteLength;
      try {
        selector.write(chunk);
      } catch (err) {
        if (err instanceof ApiError) throw err;
        throw invalid(`malformed JSON (${err instanceof JsonStreamError ? err.message : String(err)})`.slice(0, 300));
      }
      await Promise.all([digestWriter.write(chunk), compressWriter.write(chunk)]);
    }
    if (bytes === 0) throw invalid("empty file");
    try {
      selector.end();
    } catch (err) {
      throw invalid(`malformed JSON (${err instanceof JsonStreamError ? err.message : String(err)})`.slice(0, 300));
    }
    await Promise.all([digestWriter.close(), compressWriter.close()]);
    await collected;
    return { bytes, sha256: toHex(await digest.digest), gzip };
  } catch (err) {
    await reader.cancel().catch(() => {});
    await compressWriter.abort().catch(() => {});
    await digestWriter.abort().catch(() => {});
    await collected.catch(() => {});
    throw err;
  }
}
