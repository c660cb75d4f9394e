// Through SELF, the runtime's service binding, as a client's request arrives: the one file that does (the helpers call
// the Worker's fetch directly, test/helpers/worker-fetch.ts), so that path is still run.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { toBase64 } from "../../worker/lib/encoding";
import { BASE } from "../helpers/api";

const common = { "x-frame-options": "DENY", "x-content-type-options": "nosniff", "referrer-policy": "strict-origin-when-cross-origin" };

function expectCommon(res: Response) {
  for (const [name, value] of Object.entries(common)) expect(res.headers.get(name), name).toBe(value);
}

/** The CSP directives as a map: `script-src` → ["'self'", "'sha256-…'"]. */
function directives(policy: string | null): Record<string, string[]> {
  return Object.fromEntries(
    (policy ?? "")
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name, values]),
  );
}

async function sha256Base64(text: string) {
  return toBase64(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
}

describe("security headers", () => {
  it("API answers, errors included, and webhook receivers cannot be framed, sniffed or run anything", async () => {
    const responses = [
      await SELF.fetch(`${BASE}/api/v1/health`),
      await SELF.fetch(`${BASE}/api/v1/pipelines`, { method: "POST", body: "{" }),
      await SELF.fetch(`${BASE}/api/v1/teams`),
      await SELF.fetch(`${BASE}/webhooks/dbt_cloud/conn_unknown000000000000`, { method: "POST", body: "{}" }),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 401, 401, 404]);
    for (const res of responses) {
      expectCommon(res);
      expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
    }
  });

  it("dashboard pages load scripts only from the dashboard and its own hashed bootstrap, and refuse framing", async () => {
    for (const path of ["/", "/runs", "/settings/connections/conn_x"]) {
      const res = await SELF.fetch(`${BASE}${path}`);
      // The dashboard build (npm run build:web, which npm test runs before these tests) is served from ASSETS.
      expect(res.status, "web/build is missing: run npm run build:web").toBe(200);
      expectCommon(res);
      const policy = directives(res.headers.get("content-security-policy"));
      expect(policy["frame-ancestors"]).toEqual(["'none'"]);
      expect(policy["object-src"]).toEqual(["'none'"]);
      expect(policy["default-src"]).toEqual(["'self'"]);
      const html = await res.text();
      const inline = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
      expect(inline.length).toBeGreaterThan(0);
      // 'self' and exactly the hashes of the page's inline scripts: no 'unsafe-inline', no other origin.
      expect(policy["script-src"].sort()).toEqual(["'self'", ...(await Promise.all(inline.map(async (s) => `'sha256-${await sha256Base64(s)}'`)))].sort());
    }
  });

  it("a page revalidated with its ETag answers 304 without a policy that would replace the cached page's", async () => {
    const first = await SELF.fetch(`${BASE}/runs`);
    await first.text();
    const etag = first.headers.get("etag");
    expect(etag).toBeTruthy();
    const again = await SELF.fetch(`${BASE}/runs`, { headers: { "if-none-match": etag! } });
    expect(again.status).toBe(304);
    expectCommon(again);
    expect(again.headers.get("content-security-policy")).toBeNull();
  });

  it("static assets carry the same headers", async () => {
    const res = await SELF.fetch(`${BASE}/favicon.svg`);
    expect(res.status).toBe(200);
    expectCommon(res);
    expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
  });
});
