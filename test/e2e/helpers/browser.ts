import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, inject } from "vitest";
import { clockOffsetMs, shiftDate } from "../../clock/shift-date.mjs";
import { artifactPath } from "./artifacts";

/** Debian's chromium: $CHROMIUM_PATH, else whatever `chromium` is on PATH, else /usr/bin/chromium. */
export function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    const found = execFileSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).trim();
    if (found) return found;
  } catch {
    // Not on PATH; fall through to the Debian location.
  }
  if (existsSync("/usr/bin/chromium")) return "/usr/bin/chromium";
  throw new Error("Chromium not found: install it (`apt-get install -y chromium`) or set CHROMIUM_PATH");
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

export interface BrowserFixture {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  baseUrl: string;
  /** Uncaught exceptions in the page; a test should end with none. */
  pageErrors: string[];
}

/** A browser context whose pages share the test run's clock (pinned by scripts/test-at.mjs, else real). */
export async function newContext(browser: Browser, options: BrowserContextOptions): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  await context.addInitScript(shiftDate, clockOffsetMs(process.env.TUTTI_CLOCK_OFFSET_MS));
  return context;
}

/**
 * One browser per test file and a fresh context (cookies, storage) per test. A failing test leaves a
 * full-page screenshot in test/e2e/artifacts/<test name>.png.
 */
export function useBrowser(): BrowserFixture {
  const fixture = { pageErrors: [] as string[], baseUrl: inject("baseUrl") } as BrowserFixture;
  beforeAll(async () => {
    fixture.browser = await launchBrowser();
  });
  afterAll(async () => {
    await fixture.browser?.close();
  });
  beforeEach(async () => {
    fixture.context = await newContext(fixture.browser, { baseURL: fixture.baseUrl, viewport: { width: 1360, height: 900 } });
    fixture.page = await fixture.context.newPage();
    fixture.pageErrors = [];
    fixture.page.on("pageerror", (error) => fixture.pageErrors.push(String(error)));
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === "fail" && fixture.page && !fixture.page.isClosed()) {
      await fixture.page.screenshot({ path: artifactPath(`failed-${ctx.task.name}`, "png"), fullPage: true }).catch(() => undefined);
    }
    await fixture.context?.close();
  });
  return fixture;
}

/** Saves a full-page screenshot under test/e2e/artifacts/ for people to look at. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const path = artifactPath(name, "png");
  await page.screenshot({ path, fullPage: true });
  return path;
}
