import { ApiError, notJson } from "../lib/errors";

/**
 * Request bodies of the ingest endpoints: `Content-Encoding: gzip` (or deflate) is decoded here, and the
 * decoded size is limited too, so a small compressed body cannot expand into something the Worker cannot hold.
 */

/** The body stream with its content encoding removed; 415 for encodings we do not speak. */
export function decodedStream(body: ReadableStream<Uint8Array>, contentEncoding: string | null | undefined): ReadableStream<Uint8Array> {
  const encoding = (contentEncoding ?? "").trim().toLowerCase();
  if (encoding === "" || encoding === "identity") return body;
  if (encoding === "gzip" || encoding === "x-gzip") return body.pipeThrough(new DecompressionStream("gzip"));
  if (encoding === "deflate") return body.pipeThrough(new DecompressionStream("deflate"));
  throw new ApiError("unsupported_media_type", `Content-Encoding "${encoding}" is not supported; send gzip, deflate or identity`);
}

export const tooLarge = (what: string, max: number) => new ApiError("payload_too_large", `${what} exceeds ${max} bytes`);

/** Reads a whole stream, failing with 413 past `max` bytes and 400 when the compressed data is corrupt. */
export async function readAll(stream: ReadableStream<Uint8Array>, max: number, what = "decoded request body"): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        await reader.cancel().catch(() => {});
        throw tooLarge(what, max);
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError("validation_failed", "body: could not be decompressed (corrupt gzip/deflate data)", [{ path: "body", message: "corrupt compressed data" }]);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/** The request body as UTF-8 text, decoded and size-limited. */
export async function readBodyText(req: Request, max: number): Promise<string> {
  if (!req.body) return "";
  const bytes = await readAll(decodedStream(req.body, req.headers.get("content-encoding")), max);
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ApiError("validation_failed", "body: not valid UTF-8", [{ path: "body", message: "not valid UTF-8" }]);
  }
}

/** `application/json` or a `+json` type, with parameters (charset): what the routes validated by zod accept too. */
const JSON_CONTENT_TYPE = /^application\/([a-z.-]+\+)?json\s*(;.*)?$/i;

/** 415 unless the body is declared JSON: a text or form body is refused before it is read, as on every JSON route. */
export function requireJsonContentType(req: Request): void {
  if (!JSON_CONTENT_TYPE.test(req.headers.get("content-type")?.trim() ?? "")) throw notJson();
}

/** JSON.parse with the API's error for malformed input. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === "") throw new ApiError("validation_failed", "body: required", [{ path: "body", message: "required" }]);
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = `malformed JSON (${String((err as Error).message).slice(0, 200)})`;
    throw new ApiError("validation_failed", `body: ${message}`, [{ path: "body", message }]);
  }
}
