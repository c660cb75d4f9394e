import { ApiError, notJson } from "../lib/errors";
import { inflateBounded, limitBytes, readStream } from "../lib/gzip";

/**
 * Request bodies of the ingest endpoints: `Content-Encoding: gzip` (or deflate) is decoded here, and the
 * decoded size is limited too, so a small compressed body cannot expand into something the Worker cannot hold.
 */

/**
 * The body stream with its content encoding removed and at most `max` bytes long once decoded (413 past it, as soon
 * as the count passes); 415 for encodings we do not speak.
 */
export function decodedStream(
  body: ReadableStream<Uint8Array>,
  contentEncoding: string | null | undefined,
  max: number,
  what = "decoded request body",
): ReadableStream<Uint8Array> {
  const encoding = (contentEncoding ?? "").trim().toLowerCase();
  if (encoding === "" || encoding === "identity") return limitBytes(body, max, what);
  if (encoding === "gzip" || encoding === "x-gzip") return inflateBounded(body, "gzip", max, what);
  if (encoding === "deflate") return inflateBounded(body, "deflate", max, what);
  throw new ApiError("unsupported_media_type", `Content-Encoding "${encoding}" is not supported; send gzip, deflate or identity`);
}

/** The request body as UTF-8 text, decoded and size-limited. */
export async function readBodyText(req: Request, max: number): Promise<string> {
  if (!req.body) return "";
  const bytes = await readStream(decodedStream(req.body, req.headers.get("content-encoding"), max));
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
