import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context";
import { tenantCtx } from "../db/client";
import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey } from "../db/repo/platform/idempotency";
import { ApiError } from "../lib/errors";

/** Stored in place of a response that showed a secret once; `request_id` is filled in at replay. */
function withheldBody(message: string) {
  return JSON.stringify({ error: { code: "conflict", message, details: [{ path: "header.Idempotency-Key", message }], request_id: "" } });
}

function replayBody(stored: string | null, requestId: string) {
  if (!stored) return stored;
  try {
    const parsed = JSON.parse(stored);
    if (parsed?.error && parsed.error.request_id === "") {
      parsed.error.request_id = requestId;
      return JSON.stringify(parsed);
    }
  } catch {
    // Not JSON: replay as stored.
  }
  return stored;
}

/**
 * Marks this response as showing a secret once. The idempotency store then keeps `message` as a
 * 409 conflict instead of the body, so a retry with the same key learns the object exists but
 * never receives (and the database never holds) the plaintext.
 */
export function withholdFromReplay(c: Context<AppEnv>, message: string) {
  c.set("withheldReplay", message);
}

/**
 * The request's body for the route, and its hash (`METHOD path`, a newline, the body) once the route has read it
 * all. The body is never buffered here: the streamed ingest routes (`/lineage`, `/dbt/artifacts`) read it as they
 * go, and each chunk they pull is hashed on its way through. `hash()` answers null when the route stopped reading
 * early (a 413 or a bad first line): the rest of a body that was refused is not worth reading.
 */
function hashWhileRouteReads(request: Request, prefix: string): { request: Request; hash(): Promise<string | null> } {
  if (!request.body) return { request, hash: () => digestOf(prefix, null) };
  const digest = new crypto.DigestStream("SHA-256");
  const writer = digest.getWriter();
  let finished = false;
  const prefixed = writer.write(new TextEncoder().encode(prefix));
  const watched = request.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      async transform(chunk, controller) {
        await writer.write(chunk);
        controller.enqueue(chunk);
      },
      async flush() {
        await writer.close();
        finished = true;
      },
    }),
  );
  return {
    request: new Request(request, { body: watched }),
    async hash() {
      await prefixed;
      if (!finished) {
        await writer.abort().catch(() => undefined);
        return null;
      }
      return hex(await digest.digest);
    },
  };
}

const hex = (bytes: ArrayBuffer) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");

/** SHA-256 of `prefix` then the stream, in hex, without holding the stream in memory. */
async function digestOf(prefix: string, body: ReadableStream<Uint8Array> | null): Promise<string> {
  const digest = new crypto.DigestStream("SHA-256");
  const writer = digest.getWriter();
  await writer.write(new TextEncoder().encode(prefix));
  writer.releaseLock();
  if (body) await body.pipeTo(digest);
  else await digest.close();
  return hex(await digest.digest);
}

/**
 * `Idempotency-Key` on an authenticated POST: the first request runs, later ones with the same key
 * and body get the stored response (marked `Idempotent-Replayed: true`); a different body is a conflict.
 * Responses marked with `withholdFromReplay` are replayed as a 409 conflict instead. The key is claimed before the
 * route runs (so copies arriving together run once) and its request hash is recorded when the route has read the
 * body; a later request with the key hashes its own body to compare.
 */
export const idempotency = createMiddleware<AppEnv>(async (c, next) => {
  const key = c.req.header("idempotency-key");
  if (c.req.method !== "POST" || !key) return next();
  if (key.length > 255)
    throw new ApiError("validation_failed", "Idempotency-Key: at most 255 characters", [{ path: "header.Idempotency-Key", message: "at most 255 characters" }]);
  const principal = c.get("principal");
  const ctx = tenantCtx(c.get("db"), principal.tenantId, c.get("controlDb"));
  const scopedKey = `${principal.actor.id}:${key}`;
  const path = new URL(c.req.url).pathname;
  const prefix = `${c.req.method} ${path}\n`;
  const existing = await claimIdempotencyKey(ctx, scopedKey, c.req.method, path, c.get("clock").now());
  if (existing) {
    if (existing.statusCode === 0) throw new ApiError("conflict", "a request with this Idempotency-Key is still in progress");
    if (existing.requestHash !== (await digestOf(prefix, c.req.raw.body))) {
      throw new ApiError("conflict", "this Idempotency-Key was already used with a different request");
    }
    return new Response(replayBody(existing.responseBody, c.get("requestId")), {
      status: existing.statusCode,
      headers: { "content-type": "application/json", "idempotent-replayed": "true" },
    });
  }
  const body = hashWhileRouteReads(c.req.raw, prefix);
  c.req.raw = body.request;
  try {
    await next();
  } catch (err) {
    await releaseIdempotencyKey(ctx, scopedKey);
    throw err;
  }
  const requestHash = await body.hash();
  // A failure, or a response given before the body was read through (nothing was stored from it): the client's
  // retry runs again.
  if (c.error || c.res.status >= 500 || requestHash === null) {
    await releaseIdempotencyKey(ctx, scopedKey);
    return;
  }
  const withheld = c.get("withheldReplay");
  if (withheld) await completeIdempotencyKey(ctx, scopedKey, requestHash, 409, withheldBody(withheld));
  else await completeIdempotencyKey(ctx, scopedKey, requestHash, c.res.status, await c.res.clone().text());
});
