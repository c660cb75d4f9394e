import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type BrowserServer, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, inject } from "vitest";
import { findChromium } from "../../../scripts/ensure-chromium.mjs";
import { clockOffsetMs, shiftDate } from "../../clock/shift-date.mjs";
import { artifactPath, reportArtifactsOnFailure } from "./artifacts";
import { waitForIdleWorkspace } from "./settle";

/** The Chromium that scripts/ensure-chromium.mjs found or installed before the e2e step. */
export function chromiumPath(): string {
  const found = findChromium();
  if (!found) throw new Error("Chromium not found: run `node scripts/ensure-chromium.mjs` (npm run test:e2e does) or set CHROMIUM_PATH");
  return found;
}

/** A Chromium of its own (bench/dashboard.ts); the tests connect to the run's one instead. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch(launchOptions());
}

const launchOptions = () => ({
  executablePath: chromiumPath(),
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});

/**
 * The run's one Chromium (test/e2e/global-setup.ts), which every file connects to: starting one per file cost each
 * file a second or more of CPU (docs/testing.md). Files share nothing in it: each test gets a context of its own
 * (cookies, storage, cache), as before.
 */
export function launchBrowserServer(): Promise<BrowserServer> {
  return chromium.launchServer(launchOptions());
}

/** A connection to the run's Chromium; closing it closes the contexts it opened, not the browser. */
export function connectBrowser(): Promise<Browser> {
  return chromium.connect(inject("browserWsEndpoint"));
}

export interface BrowserFixture {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  baseUrl: string;
  /** Uncaught exceptions in the page; a test should end with none. */
  pageErrors: string[];
  /** Content-Security-Policy violations the page reported (a script, style or request the policy blocked). */
  cspViolations: string[];
}

/** A browser context whose pages share the test run's clock (pinned by scripts/test-at.mjs, else real). */
export async function newContext(browser: Browser, options: BrowserContextOptions): Promise<BrowserContext> {
  const context = await browser.newContext({ reducedMotion: "reduce", ...options });
  await context.addInitScript(shiftDate, clockOffsetMs(process.env.TUTTI_CLOCK_OFFSET_MS));
  return context;
}

/**
 * A connection to the run's browser per test file and a fresh context (cookies, storage) per test. A failing test leaves a
 * full-page screenshot in test/e2e/artifacts/failed-<test name>.png, and the test output says where it and
 * the server log are.
 */
export function useBrowser(): BrowserFixture {
  const fixture = { pageErrors: [] as string[], cspViolations: [] as string[], baseUrl: inject("baseUrl") } as BrowserFixture;
  beforeAll(async () => {
    fixture.browser = await connectBrowser();
  });
  afterAll(async () => {
    await fixture.browser?.close();
  });
  beforeEach(async () => {
    fixture.context = await newContext(fixture.browser, { baseURL: fixture.baseUrl, viewport: { width: 1360, height: 900 } });
    // Every violation becomes a console message, also those Chromium would only report to a report-uri.
    await fixture.context.addInitScript({
      content:
        'document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`));',
    });
    fixture.page = await fixture.context.newPage();
    fixture.pageErrors = [];
    fixture.cspViolations = [];
    fixture.page.on("pageerror", (error) => fixture.pageErrors.push(String(error)));
    fixture.page.on("console", (message) => {
      if (message.type() === "error" && /content security policy|CSP violation/i.test(message.text())) fixture.cspViolations.push(message.text());
    });
  });
  // Before the context (and its session) goes: the test's runs end and its alerts are delivered, so nothing it
  // started still calls the file's fakes when they close. Registered first, so it runs after the failure report
  // below (afterEach hooks run in reverse order), while the page is still there for the screenshot.
  afterEach(async (ctx) => {
    if (!fixture.context) return;
    const get = async (path: string) => {
      const res = await fixture.context.request.get(path);
      return { status: res.status(), json: res.headers()["content-type"]?.includes("json") ? await res.json() : null };
    };
    try {
      await waitForIdleWorkspace(get);
    } catch (error) {
      // A failed test may have left its runs stuck; its own failure is the one to report.
      if (ctx.task.result?.state !== "fail") throw error;
    } finally {
      await fixture.context.close();
    }
  });
  reportArtifactsOnFailure(
    () => inject("serverLogPath"),
    async (testName) => {
      if (!fixture.page || fixture.page.isClosed()) return null;
      const path = artifactPath(`failed-${testName}`, "png");
      await fixture.page.screenshot({ path, fullPage: true });
      return path;
    },
  );
  return fixture;
}

/** Saves a full-page screenshot under test/e2e/artifacts/ for people to look at. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const path = artifactPath(name, "png");
  await page.screenshot({ path, fullPage: true });
  return path;
}
