/**
 * bench/dashboard: the dashboard's weight and its Overview with 500 data products, in Chromium against
 * `wrangler dev` serving the built dashboard (`npm run build:web` first; the script builds it when missing).
 *
 * - initial JS: every script the Overview loads on a cold visit, gzipped here at level 9 (wrangler dev serves
 *   them uncompressed; Cloudflare compresses at least as well); the same for the heaviest page, a pipeline's
 *   detail page, whose default tab draws the task graph;
 * - interactive: from navigation start to the 500th product tile being in the page and the main thread free for
 *   input, by the page's own clock, for a cold visit (fresh browser context) and a warm one (the same context
 *   again: fingerprinted assets cached), median and p95 over the visits.
 *
 *   npm run bench:dashboard [-- --products 500 --visits 7]
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { newAccount, signupViaApi } from "../test/e2e/helpers/accounts";
import { launchBrowser } from "../test/e2e/helpers/browser";
import { repoRoot, runNode, binOf } from "../test/e2e/helpers/processes";
import { fmt, median, percentile, startDevServer } from "./lib/dev-server";

const { values } = parseArgs({ options: { products: { type: "string", default: "500" }, visits: { type: "string", default: "7" } } });
const PRODUCTS = Number(values.products);
const VISITS = Number(values.visits);
const JS_GOAL_KB = 150;
const PIPELINE_JS_GOAL_KB = 120;
const INTERACTIVE_GOAL_MS = 1000;

if (!existsSync(join(repoRoot, "web/build/index.html"))) await runNode(binOf("vite"), ["build"], { cwd: join(repoRoot, "web") });

const server = await startDevServer();
const browser = await launchBrowser();
try {
  // Seed through the public API in a browser context, so the session cookie is the browser's.
  const seeding = await browser.newContext({ baseURL: server.url });
  const { session } = await signupViaApi(seeding, { ...newAccount("bench"), tenantName: "Dashboard bench" });
  const csrf = session.csrf_token;
  const me = (await (await seeding.request.get("/api/v1/me")).json()) as { teams: Array<{ id: string; slug: string }> };
  const post = async (path: string, data: unknown) => {
    const res = await seeding.request.post(path, { data, headers: { "x-csrf-token": csrf } });
    if (res.status() >= 300) throw new Error(`${path}: ${res.status()} ${await res.text()}`);
  };
  const names = Array.from({ length: PRODUCTS }, (_, i) => `product_${String(i).padStart(4, "0")}`);
  for (let i = 0; i < names.length; i += 10) {
    await Promise.all(
      names.slice(i, i + 10).map((name, j) =>
        post("/api/v1/products", {
          name,
          title: `Product ${i + j}`,
          owner_team_id: me.teams[0].id,
          tier: (["critical", "high", "medium", "low"] as const)[(i + j) % 4],
          declared_value: { monthly_amount: 1000 + ((i + j) % 37) * 500, rationale: "benchmark" },
        }),
      ),
    );
  }
  const today = new Date().toISOString().slice(0, 10);
  await post("/api/v1/costs", {
    records: names.map((name, i) => ({
      source: "bench",
      external_ref: `bench-${i}`,
      amount: 10 + (i % 90),
      currency: "USD",
      started_at: `${today}T00:00:00Z`,
      attribution: { products: [{ name, weight: 1 }] },
    })),
  });
  // The Overview's biggest request, timed alone: where the page's time goes when it is not the browser's.
  const apiTimes: number[] = [];
  for (let i = 0; i < 6; i++) {
    const t = Date.now();
    const res = await seeding.request.get("/api/v1/scorecard");
    if (!res.ok()) throw new Error(`scorecard: ${res.status()}`);
    if (i > 0) apiTimes.push(Date.now() - t);
  }
  // A 12-task pipeline for the pipeline page (a connection, so the spec is valid; it is never run here).
  await post("/api/v1/connections", { team_id: me.teams[0].id, name: "tool", kind: "http", config: { base_url: "https://tool.example.com" }, secrets: {} });
  const task = (id: string, depends_on: string[]) => ({ id, connector: "http", connection: "tool", depends_on, with: { url: "/jobs", method: "POST" } });
  const stages = ["extract", "stage", "model", "publish"];
  const tasks = stages.flatMap((stage, s) => [0, 1, 2].map((i) => task(`${stage}_${i}`, s ? [0, 1, 2].map((j) => `${stages[s - 1]}_${j}`) : [])));
  await post("/api/v1/pipelines", { spec_text: JSON.stringify({ name: "bench_pipeline", team: me.teams[0].slug, tasks }), format: "json" });
  const cookies = await seeding.cookies();
  await seeding.close();

  /** Scripts a cold visit of `path` loads until `ready` holds (a selector or a page expression), gzipped. */
  const coldScripts = async (path: string, ready: string) => {
    const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1360, height: 900 }, bypassCSP: true });
    await context.addCookies(cookies);
    const page = await context.newPage();
    const bodies: Array<Promise<Buffer>> = [];
    page.on("response", (res) => {
      if (res.request().resourceType() === "script") bodies.push(res.body());
    });
    await page.goto(path);
    await page.waitForSelector(ready, { timeout: 60_000 });
    page.removeAllListeners("response");
    let gzip = 0;
    const all = await Promise.all(bodies);
    for (const body of all) gzip += gzipSync(body, { level: 9 }).length;
    await context.close();
    return { scripts: all.length, gzip };
  };
  const pipelinePage = await coldScripts("/pipelines/bench_pipeline", '[aria-label^="Pipeline graph"] [data-task] >> nth=11');

  let scriptBytes = 0;
  let scriptGzip = 0;
  let scripts = 0;
  const cold: number[] = [];
  const warm: number[] = [];
  /**
   * Navigation start → the last product tile is in the page and the main thread is free to handle input (the next
   * frame has been painted and a task scheduled after it has run), measured by the page's own clock.
   */
  const visitOverview = async (page: import("playwright-core").Page) => {
    await page.goto("/", { waitUntil: "commit" });
    // Page-side code as strings: this file is type-checked without the DOM library.
    const rendered = await page.waitForFunction(`document.querySelectorAll('[aria-label="Product health"] > li').length >= ${PRODUCTS}`, undefined, {
      polling: "raf",
      timeout: 60_000,
    });
    await rendered.dispose();
    return (await page.evaluate("new Promise((resolve) => requestAnimationFrame(() => setTimeout(() => resolve(performance.now()))))")) as number;
  };
  // bypassCSP: the page's policy forbids eval, which Playwright's string predicates below use; scripts load the same.
  for (let visit = 0; visit < VISITS + 1; visit++) {
    const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1360, height: 900 }, bypassCSP: true });
    await context.addCookies(cookies);
    const page = await context.newPage();
    const bodies: Array<Promise<Buffer>> = [];
    if (visit === 0) {
      page.on("response", (res) => {
        if (res.request().resourceType() === "script") bodies.push(res.body());
      });
    }
    const first = await visitOverview(page);
    if (visit === 0) {
      page.removeAllListeners("response");
      for (const body of await Promise.all(bodies)) {
        scripts++;
        scriptBytes += body.length;
        scriptGzip += gzipSync(body, { level: 9 }).length;
      }
    }
    // A returning visitor: the fingerprinted scripts and styles come from the browser cache (web/static/_headers).
    const again = await visitOverview(page);
    if (visit > 0) {
      cold.push(first);
      warm.push(again);
    }
    await context.close();
  }

  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  console.log(`bench/dashboard: Overview with ${PRODUCTS} products, ${VISITS} cold visits after one warm-up\n`);
  console.log(
    `initial JS      ${scripts} scripts, ${kb(scriptBytes)} raw, ${kb(scriptGzip)} gzip   (goal < ${JS_GOAL_KB} KB gzip: ${scriptGzip / 1024 < JS_GOAL_KB ? "met" : "not met"})`,
  );
  console.log(
    `pipeline page   ${pipelinePage.scripts} scripts, ${kb(pipelinePage.gzip)} gzip with its task graph   (goal < ${PIPELINE_JS_GOAL_KB} KB gzip: ${pipelinePage.gzip / 1024 < PIPELINE_JS_GOAL_KB ? "met" : "not met"})`,
  );
  console.log(`GET /scorecard  p50 ${fmt(median(apiTimes))} for ${PRODUCTS} products (the Overview's ranking, timed alone)`);
  const verdict = (t: number[]) => `(goal < ${INTERACTIVE_GOAL_MS} ms: ${median(t) < INTERACTIVE_GOAL_MS ? "met" : "not met"} at p50)`;
  console.log(`interactive     cold visit p50 ${fmt(median(cold))}, p95 ${fmt(percentile(cold, 95))}   ${verdict(cold)}`);
  console.log(`                warm visit p50 ${fmt(median(warm))}, p95 ${fmt(percentile(warm, 95))}   ${verdict(warm)}`);
} finally {
  await browser.close();
  await server.stop();
}
