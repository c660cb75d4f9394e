import type { Context } from "hono";
import type { AppEnv } from "../../context";

/**
 * The policy a dashboard page is served with when its build carries none (no kit.csp): scripts and everything else
 * only from the dashboard itself.
 */
const FALLBACK_PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'";
const META_CSP = /<meta\s+http-equiv="content-security-policy"\s+content="([^"]*)"/i;

/**
 * Serves the static dashboard build. Its pages get their Content-Security-Policy as a header: the policy SvelteKit
 * wrote into the page (kit.csp in web/svelte.config.js: script-src 'self' plus the hash of its inline bootstrap
 * script), with frame-ancestors 'none' added, which only a header can carry.
 */
export async function serveDashboard(c: Context<AppEnv>): Promise<Response> {
  if (!c.env.ASSETS) return c.notFound();
  const res = await c.env.ASSETS.fetch(c.req.raw);
  // Only a full page has a policy to read. A 304 keeps the policy the browser cached with the page.
  if (c.req.method !== "GET" || res.status !== 200 || !res.headers.get("content-type")?.startsWith("text/html")) return res;
  const html = await res.text();
  const pagePolicy = META_CSP.exec(html)?.[1].replaceAll("&#39;", "'").replaceAll("&quot;", '"').replaceAll("&amp;", "&");
  const headers = new Headers(res.headers);
  headers.set("Content-Security-Policy", `${pagePolicy ?? FALLBACK_PAGE_CSP}; frame-ancestors 'none'`);
  // A status page's URL is its share link: the page is kept out of caches and search engines like its data is.
  if (new URL(c.req.url).pathname.startsWith("/status/")) {
    headers.set("Cache-Control", "no-store");
    headers.set("X-Robots-Tag", "noindex, nofollow");
  }
  return new Response(html, { status: res.status, statusText: res.statusText, headers });
}
