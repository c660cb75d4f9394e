import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context";
import { tenantCtx } from "../db/client";
import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey } from "../db/repo/idempotency";
import { ApiError } from "../lib/errors";
import { sha256Hex } from "../lib/hash";

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
 * `Idempotency-Key` on an authenticated POST: the first request runs, later ones with the same key
 * and body get the stored response (marked `Idempotent-Replayed: true`); a different body is a conflict.
 * Responses marked with `withholdFromReplay` are replayed as a 409 conflict instead.
 */
export const idempotency = createMiddleware<AppEnv>(async (c, next) => {
  const key = c.req.header("idempotency-key");
  if (c.req.method !== "POST" || !key) return next();
  if (key.length > 255) throw new ApiError("validation_failed", "Idempotency-Key: at most 255 characters", [{ path: "header.Idempotency-Key", message: "at most 255 characters" }]);
  const principal = c.get("principal");
  const ctx = tenantCtx(c.get("db"), principal.tenantId);
  const scopedKey = `${principal.actor.id}:${key}`;
  const path = new URL(c.req.url).pathname;
  const requestHash = await sha256Hex(`${c.req.method} ${path}\n${await c.req.text()}`);
  const existing = await claimIdempotencyKey(ctx, scopedKey, c.req.method, path, requestHash, c.get("clock").now());
  if (existing) {
    if (existing.requestHash !== requestHash) {
      throw new ApiError("conflict", "this Idempotency-Key was already used with a different request");
    }
    if (existing.statusCode === 0) throw new ApiError("conflict", "a request with this Idempotency-Key is still in progress");
    return new Response(replayBody(existing.responseBody, c.get("requestId")), {
      status: existing.statusCode,
      headers: { "content-type": "application/json", "idempotent-replayed": "true" },
    });
  }
  try {
    await next();
  } catch (err) {
    await releaseIdempotencyKey(ctx, scopedKey);
    throw err;
  }
  if (c.error || c.res.status >= 500) {
    await releaseIdempotencyKey(ctx, scopedKey);
    return;
  }
  const withheld = c.get("withheldReplay");
  if (withheld) await completeIdempotencyKey(ctx, scopedKey, 409, withheldBody(withheld));
  else await completeIdempotencyKey(ctx, scopedKey, c.res.status, await c.res.clone().text());
});
