import { z } from "@hono/zod-openapi";

/**
 * URLs Tutti accepts from people, tools and callbacks. Only http(s): anything else (`javascript:`, `data:`, `file:`)
 * would become a script or a local resource once the dashboard renders it as a link.
 */
export const HttpUrl = z.url({ protocol: /^https?$/, message: "must be an http(s) URL" });

/** True for an absolute http(s) URL. */
export function isHttpUrl(value: unknown): value is string {
  if (typeof value !== "string") return false;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

/** `https://api.example.com:8443/v1/x` → `https://api.example.com:8443`; null for anything that is not an http(s) URL. */
export function originOf(value: string): string | null {
  return isHttpUrl(value) ? new URL(value).origin : null;
}

/**
 * Environments where a person runs Tutti on their own machine (`npm start`, the demo, the test suites): only there
 * may a connection point at a plain-http host, because only there is the network path the developer's own.
 */
const LOCAL_ENVS = new Set(["dev", "development", "test", "e2e"]);

export function isLocalEnv(tuttiEnv: string | undefined): boolean {
  return LOCAL_ENVS.has((tuttiEnv ?? "").toLowerCase());
}
