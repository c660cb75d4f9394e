import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context";
import { tooLarge as tooLargeFor } from "../lib/errors";

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Larger limits for the few endpoints that take artifacts; everything else gets 1 MiB. */
const limits: Array<[RegExp, number]> = [
  [/^\/api\/v1\/dbt\/artifacts$/, 64 * 1024 * 1024],
  [/^\/api\/v1\/lineage(\/batch)?$/, 8 * 1024 * 1024],
  [/^\/api\/v1\/(costs|usage)$/, 8 * 1024 * 1024],
  // A pipeline's webhook carries run params, not data.
  [/^\/webhooks\/pipelines\//, 256 * 1024],
];

export function bodyLimitFor(path: string): number {
  return limits.find(([re]) => re.test(path))?.[1] ?? DEFAULT_BODY_LIMIT;
}

/**
 * Rejects bodies over the limit before any handler reads them: by Content-Length when sent,
 * otherwise by counting the stream as it is read.
 */
export const bodyLimit = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.method === "GET" || c.req.method === "HEAD") return next();
  const max = bodyLimitFor(new URL(c.req.url).pathname);
  const tooLarge = () => tooLargeFor("request body", max);
  const declared = c.req.header("content-length");
  if (declared !== undefined) {
    if (Number(declared) > max) throw tooLarge();
    return next();
  }
  const body = c.req.raw.body;
  if (!body) return next();
  let seen = 0;
  const chunks: Uint8Array[] = [];
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    seen += value.byteLength;
    if (seen > max) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const buffered = new Uint8Array(seen);
  let offset = 0;
  for (const chunk of chunks) {
    buffered.set(chunk, offset);
    offset += chunk.byteLength;
  }
  c.req.raw = new Request(c.req.raw, { body: buffered });
  return next();
});
