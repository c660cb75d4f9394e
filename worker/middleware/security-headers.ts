import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context";

/** Nothing Tutti serves may be framed (clickjacking), sniffed into another type, or leak its full URL as a Referer. */
const COMMON: Record<string, string> = {
  "X-Frame-Options": "DENY",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "strict-origin-when-cross-origin",
};

/** For everything but the dashboard's pages (API JSON, webhooks, assets): nothing in it may run, load or be framed. */
export const LOCKED_DOWN_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * Sets the security headers on every response the Worker gives. A response that already carries a
 * Content-Security-Policy (a dashboard page, see routes/dashboard) keeps it. A 304 and a HEAD answer get none: their
 * headers update the ones cached with the page, whose policy must stay the page's own.
 */
export const securityHeaders = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  for (const [name, value] of Object.entries(COMMON)) c.header(name, value);
  const revalidation = c.res.status === 304 || c.req.method === "HEAD";
  if (!revalidation && !c.res.headers.has("Content-Security-Policy")) c.header("Content-Security-Policy", LOCKED_DOWN_CSP);
});
