import { readdirSync, readFileSync } from "node:fs";
import { join, sep } from "node:path";
import type { BrowserContext, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedEngineDemo } from "../../scripts/demo/engine";
import { seedProducts } from "../../scripts/demo/products";
import { DemoClient } from "../../scripts/demo/client";
import { startHttpToolFake, type HttpToolFake } from "../fakes/http-tool/server";
import { newAccount, signupViaApi } from "./helpers/accounts";
import { browserApi } from "./helpers/browser-api";
import { mailboxLink, tokenOf } from "./helpers/mailbox";
import { newContext, screenshot, useBrowser } from "./helpers/browser";
import { repoRoot } from "./helpers/processes";

const routesDir = join(repoRoot, "web/src/routes");

/**
 * Every page of the dashboard as its route pattern ("/runs/[id]"), read from the route files, so a new page is
 * swept without anyone listing it (and the test below fails until it knows how to open it).
 */
function dashboardRoutes(): string[] {
  const files = readdirSync(routesDir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith("+page.svelte"));
  return files
    .map((f) => {
      const segments = f.split(sep).slice(0, -1);
      // Route groups like (app) are not part of the URL.
      return `/${segments.filter((s) => !/^\(.+\)$/.test(s)).join("/")}`;
    })
    .sort();
}

/** The little of the DOM the checks below read inside the page (the test project is typed without the DOM library). */
interface Box {
  right: number;
  width: number;
}
interface El {
  tagName: string;
  id: string;
  classList: { contains(name: string): boolean } & Iterable<string>;
  parentElement: El | null;
  scrollWidth: number;
  clientWidth: number;
  scrollLeft: number;
  getBoundingClientRect(): Box;
  getAttribute(name: string): string | null;
  closest(selector: string): El | null;
  querySelector(selector: string): El | null;
}
interface PageGlobals {
  innerWidth: number;
  document: { documentElement: El; activeElement: El | null; querySelectorAll(selector: string): Iterable<El> };
}

const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

/** How wide the page is compared with the window: more than the window means it scrolls sideways. */
function widths(page: Page) {
  return page.evaluate(() => {
    const { document, innerWidth } = globalThis as unknown as PageGlobals;
    return { scroll: document.documentElement.scrollWidth, viewport: innerWidth };
  });
}

/** The elements sticking out past the right edge of the window, to name in a failure. */
function overflowingElements(page: Page) {
  return page.evaluate(() => {
    const { document, innerWidth } = globalThis as unknown as PageGlobals;
    const out: string[] = [];
    for (const el of document.querySelectorAll("body *")) {
      const box = el.getBoundingClientRect();
      if (box.right > innerWidth + 1 && box.width > 0) {
        const parentOverflows = el.parentElement && el.parentElement.getBoundingClientRect().right > innerWidth + 1;
        if (!parentOverflows || out.length < 3) out.push(`${el.tagName.toLowerCase()}.${[...el.classList].join(".")} right=${Math.round(box.right)}`);
      }
      if (out.length >= 8) break;
    }
    return out;
  });
}

/**
 * Tables that do not sit in the shared TableScroll, and those that scroll sideways without the edge shadow saying
 * so (scrolled to the start, a table wider than its place must show the right edge's shadow).
 */
function tablesWithoutCue(page: Page) {
  return page.evaluate(() =>
    [...(globalThis as unknown as PageGlobals).document.querySelectorAll("table")].flatMap((table) => {
      const name = table.getAttribute("aria-label") ?? "unnamed table";
      const wrapper = table.closest(".table-scroll");
      const scroller = wrapper?.querySelector(":scope > .scroller");
      if (!wrapper || !scroller) return [`${name}: not in a TableScroll`];
      const scrolls = scroller.scrollWidth > scroller.clientWidth + 1;
      return scrolls && scroller.scrollLeft === 0 && !wrapper.classList.contains("more-right") ? [`${name}: scrolls without the edge shadow`] : [];
    }),
  );
}

/** How long one of the page's API requests may stay unanswered before the page is opened again. */
const STALL_MS = 20_000;
const QUIET_MS = 500;

/**
 * The page's API requests still waiting for an answer, each with when it left. Long polls (`?wait=`) are left out:
 * they are meant to stay open.
 */
function unansweredApiRequests(page: Page): Map<Request, number> {
  const pending = new Map<Request, number>();
  page.on("request", (r) => {
    const url = new URL(r.url());
    if (url.pathname.startsWith("/api/") && !url.searchParams.has("wait")) pending.set(r, Date.now());
  });
  const answered = (r: Request) => pending.delete(r);
  page.on("requestfinished", answered);
  page.on("requestfailed", answered);
  return pending;
}

/**
 * Waits until the page shows its data: a heading, none of its API requests unanswered for half a second, no loading
 * indicator left. Returns the requests still unanswered after STALL_MS (none when the page settled).
 */
async function settled(page: Page, path: string, pending: Map<Request, number>): Promise<string[]> {
  const unanswered = () => [...pending].map(([r, at]) => `${r.method()} ${new URL(r.url()).pathname} (${Math.round((Date.now() - at) / 1000)} s)`);
  // Most pages draw their heading once their first read is answered, so a stalled read shows here first.
  const heading = await page
    .locator("h1")
    .first()
    .waitFor({ timeout: STALL_MS })
    .then(
      () => true,
      () => false,
    );
  if (!heading) {
    if (pending.size) return unanswered();
    throw new Error(`no heading on ${path} after ${STALL_MS / 1000} s, and no API request waiting`);
  }
  const deadline = Date.now() + STALL_MS;
  let quietSince = Date.now();
  for (;;) {
    if (pending.size) quietSince = Date.now();
    else if (Date.now() - quietSince >= QUIET_MS) break;
    if (Date.now() > deadline) return unanswered();
    await page.waitForTimeout(100);
  }
  await expect
    .poll(
      () =>
        page
          .getByRole("status")
          .filter({ hasText: /Loading/ })
          .count(),
      { message: `still loading: ${path}` },
    )
    .toBe(0);
  return [];
}

/**
 * Opens the page and waits for it to settle. Under load, `wrangler dev` has left a GET unanswered until the browser
 * gave up on it (GET /api/v1/teams on the audit-log page, 30.7 s, in a bare-clone run of 2026-12-06; docs/testing.md,
 * "A request wrangler dev leaves unanswered"): the page is then opened once more, and a second stall fails the test
 * naming the requests.
 */
async function open(page: Page, url: string, pending: Map<Request, number>) {
  await page.goto(url);
  const stalled = await settled(page, url, pending);
  if (!stalled.length) return;
  console.warn(`every-page sweep: unanswered after ${STALL_MS / 1000} s on ${url}: ${stalled.join(", ")}; opening the page again`);
  await page.goto(url);
  expect(await settled(page, url, pending), `requests unanswered after ${STALL_MS / 1000} s on ${url}, twice`).toEqual([]);
}

type Size = "desktop" | "phone";
const SIZES = { desktop: DESKTOP, phone: PHONE } as const;

/**
 * Opens one page at one size and saves its screenshot (sweep-desktop-…, sweep-phone-…); on the phone it also
 * measures whether anything makes the page scroll sideways or a table scrolls without a cue: returns what is wrong,
 * or null.
 */
async function sweep(page: Page, size: Size, route: string, url: string, pending: Map<Request, number>): Promise<string | null> {
  await open(page, url, pending);
  expect(await page.getByRole("alert").count(), `error shown on ${url}`).toBe(0);
  await screenshot(page, `sweep-${size}-${route === "/" ? "overview" : route}`);
  if (size !== "phone") return null;
  const { scroll, viewport: width } = await widths(page);
  const problems = await tablesWithoutCue(page);
  if (scroll > width) problems.unshift(`${scroll}px wide on a ${width}px phone: ${(await overflowingElements(page)).join(", ")}`);
  return problems.length ? `${url}: ${problems.join("; ")}` : null;
}

/**
 * Sweeps `routes` at both sizes, two tabs per size side by side, each taking the next route not yet swept (a page
 * spends most of its time waiting for its data and the half second of quiet that says it has settled, so four tabs
 * take little longer than one). `newPage` opens a tab; returns the routes each size visited and what was too wide on
 * the phone.
 */
async function sweepBoth(
  newPage: () => Promise<Page>,
  routes: string[],
  urlOf: (route: string) => string,
): Promise<{ visited: Record<Size, string[]>; tooWide: string[] }> {
  const visited: Record<Size, string[]> = { desktop: [], phone: [] };
  const tooWide: string[] = [];
  const tab = async (size: Size, left: string[]) => {
    const page = await newPage();
    await page.setViewportSize(SIZES[size]);
    const pending = unansweredApiRequests(page);
    for (let route = left.shift(); route !== undefined; route = left.shift()) {
      const wide = await sweep(page, size, route, urlOf(route), pending);
      if (wide) tooWide.push(wide);
      visited[size].push(route);
    }
  };
  await Promise.all(
    (Object.keys(SIZES) as Size[]).map((size) => {
      const left = [...routes];
      return Promise.all([tab(size, left), tab(size, left)]);
    }),
  );
  return { visited, tooWide };
}

describe("every dashboard page at desktop and phone size", () => {
  const b = useBrowser();
  let tool: HttpToolFake;
  beforeAll(async () => {
    tool = await startHttpToolFake();
  });
  afterAll(async () => {
    await tool?.close();
  });

  it("finds the dashboard's pages in its route files", () => {
    const routes = dashboardRoutes();
    expect(routes).toContain("/");
    expect(routes).toContain("/runs/[id]");
    expect(routes).toContain("/login");
    expect(routes.length).toBeGreaterThan(25);
  });

  it("folds the navigation behind a menu button on a phone, opens and closes it by mouse and keyboard, and offers a skip link", async () => {
    const { page, context } = b;
    await signupViaApi(context);
    const nav = page.getByRole("navigation", { name: "Main" });
    const menu = page.getByRole("button", { name: "Menu" });

    // Desktop: the navigation is always there, with dbt projects and dead letters in it; no menu button.
    await page.setViewportSize(DESKTOP);
    await page.goto("/");
    await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    expect(await nav.isVisible()).toBe(true);
    expect(await menu.isVisible()).toBe(false);
    expect(await nav.getByRole("link", { name: "dbt projects" }).getAttribute("href")).toBe("/dbt");
    expect(await nav.getByRole("link", { name: "Dead letters" }).getAttribute("href")).toBe("/alerts/dead-letters");

    // The skip link is the first stop of the keyboard and moves focus to the page's content.
    await page.keyboard.press("Tab");
    const skip = page.getByRole("link", { name: "Skip to main content" });
    expect(await skip.evaluate((el) => el === (globalThis as unknown as PageGlobals).document.activeElement)).toBe(true);
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.id)).toBe("main");

    // Phone: folded until the menu button opens it.
    await page.setViewportSize(PHONE);
    await page.goto("/");
    await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    expect(await nav.isVisible()).toBe(false);
    expect(await menu.getAttribute("aria-expanded")).toBe("false");
    await menu.click();
    expect(await menu.getAttribute("aria-expanded")).toBe("true");
    expect(await nav.isVisible()).toBe(true);
    await screenshot(page, "sweep-phone-menu-open");

    // Following a link closes it; the page it led to is the current one.
    await nav.getByRole("link", { name: "Dead letters" }).click();
    await page.getByRole("heading", { level: 1, name: "Dead letters" }).waitFor();
    await expect.poll(() => nav.isVisible()).toBe(false);
    expect(await menu.getAttribute("aria-expanded")).toBe("false");
    const folded = page.getByRole("navigation", { name: "Main", includeHidden: true });
    expect(await folded.getByRole("link", { name: "Dead letters", includeHidden: true }).getAttribute("aria-current")).toBe("page");
    expect(await folded.getByRole("link", { name: "Alerts", includeHidden: true }).getAttribute("aria-current")).toBeNull();

    // By keyboard: Enter opens it, Escape closes it and gives focus back to the button.
    await menu.focus();
    await page.keyboard.press("Enter");
    expect(await nav.isVisible()).toBe(true);
    await page.keyboard.press("Escape");
    expect(await nav.isVisible()).toBe(false);
    expect(await menu.evaluate((el) => el === (globalThis as unknown as PageGlobals).document.activeElement)).toBe(true);
    expect(b.pageErrors).toEqual([]);
  });

  it("renders every page with its data, without errors, and with nothing wider than a 390 px phone", async () => {
    const { context, baseUrl, browser } = b;
    const { account, session } = await signupViaApi(context);
    const csrf = session.csrf_token;
    const cookie = (await context.cookies(baseUrl)).map((c) => `${c.name}=${c.value}`).join("; ");
    const api = browserApi(context, csrf);
    const get = async <T>(path: string) => (await api.request<T>("GET", path)).data;

    // Demo data, so lists and detail pages show rows, charts and graphs rather than their empty states.
    const engine = await seedEngineDemo(DemoClient.fromSession(baseUrl, cookie, csrf), { toolUrl: tool.url });
    await seedProducts(api, { days: 14 });
    const dbt = join(repoRoot, "test/fixtures/dbt/bigquery-1.9");
    const uploaded = await context.request.post("/api/v1/dbt/artifacts", {
      headers: { "x-csrf-token": csrf },
      multipart: {
        project: "jaffle_bq",
        environment: "prod",
        manifest: { name: "manifest.json", mimeType: "application/json", buffer: readFileSync(join(dbt, "manifest.json")) },
        run_results: { name: "run_results.json", mimeType: "application/json", buffer: readFileSync(join(dbt, "run_results.json")) },
      },
    });
    expect(uploaded.status(), await uploaded.text()).toBe(201);
    const invitation = (await api.request<{ token: string }>("POST", "/invitations", { email: newAccount("guest").email, role: "member" })).data;
    // partner_export fails by design; its failure raises an alert.
    let alertId = "";
    await expect
      .poll(async () => (alertId = (await get<{ items: Array<{ id: string }> }>("/alerts?limit=1")).items[0]?.id ?? ""), { timeout: 60_000, interval: 500 })
      .not.toBe("");
    // A backfill of three nightly slots of the export that fails by design: the backfill page shows failed slots.
    const backfill = (
      await api.request<{ id: string }>("POST", "/pipelines/partner_export/backfills", { from: "2026-01-01T00:00:00Z", to: "2026-01-03T23:59:59Z" })
    ).data;
    const me = await get<{ teams: Array<{ id: string }> }>("/me");
    const connections = await get<{ items: Array<{ id: string }> }>("/connections?limit=1");
    const datasets = await get<{ items: Array<{ id: string }> }>("/datasets?limit=1");
    const dbtProjects = await get<{ items: Array<{ id: string }> }>("/dbt/projects");

    // A sign-up nobody confirmed yet and a password reset asked for: their mailed links open the two token pages.
    const pending = newAccount("pending");
    const asked = await fetch(`${baseUrl}/api/v1/auth/signup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: pending.email, password: pending.password, name: pending.name, tenant_name: pending.tenantName }),
    });
    expect(asked.status).toBe(202);
    const verifyLink = await mailboxLink(baseUrl, pending.email, "/verify/");
    const resetAsked = await fetch(`${baseUrl}/api/v1/auth/password-reset/request`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: account.email }),
    });
    expect(resetAsked.status).toBe(202);
    const resetLink = await mailboxLink(baseUrl, account.email, "/reset-password/");

    // A status-page link of a demo product and a subscription through it: the public status pages and the
    // confirmation page its mail links to (the unsubscribe page opens the same way; it acts only on its button).
    const share = (await api.request<{ token: string }>("POST", "/products/finance_revenue/shares", { label: "Every page" })).data;
    const subscriber = newAccount("subscriber").email;
    expect(
      (
        await fetch(`${baseUrl}/api/v1/status/${share.token}/subscribe`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: subscriber }),
        })
      ).status,
    ).toBe(202);
    const subscriberMail = (await (await fetch(`${baseUrl}/api/v1/dev/mail?to=${encodeURIComponent(subscriber)}`)).json()) as {
      items: Array<{ text: string }>;
    };
    const subscriptionToken = /\/status\/confirm\/([A-Za-z0-9_.]+)/.exec(subscriberMail.items[0].text)![1];

    const ids: Record<string, string> = {
      "/alerts/[id]": `/alerts/${alertId}`,
      "/backfills/[id]": `/backfills/${backfill.id}`,
      "/datasets/[id]": `/datasets/${datasets.items[0].id}`,
      "/dbt/[id]": `/dbt/${dbtProjects.items[0].id}`,
      "/pipelines/[name]": "/pipelines/daily_revenue",
      "/pipelines/[name]/edit": "/pipelines/daily_revenue/edit",
      "/products/[name]": "/products/finance_revenue",
      "/runs/[id]": `/runs/${engine.runs[1]}`,
      "/settings/connections/[id]": `/settings/connections/${connections.items[0].id}`,
      "/settings/teams/[id]": `/settings/teams/${me.teams[0].id}`,
      "/invite/[token]": `/invite/${invitation.token}`,
      "/verify/[token]": `/verify/${tokenOf(verifyLink)}`,
      "/reset-password/[token]": `/reset-password/${tokenOf(resetLink)}`,
      "/status/[token]": `/status/${share.token}`,
      "/status/confirm/[token]": `/status/confirm/${subscriptionToken}`,
      "/status/unsubscribe/[token]": `/status/unsubscribe/${subscriptionToken}`,
    };
    const signedOut = new Set([
      "/login",
      "/signup",
      "/forgot-password",
      "/invite/[token]",
      "/verify/[token]",
      "/reset-password/[token]",
      "/status/[token]",
      "/status/confirm/[token]",
      "/status/unsubscribe/[token]",
    ]);

    const routes = dashboardRoutes();
    const unknown = routes.filter((r) => r.includes("[") && !ids[r]);
    expect(unknown, "a page with a parameter the sweep cannot fill: add a demo id above").toEqual([]);

    const urlOf = (route: string) => ids[route] ?? route;
    // Opens the sweep's tabs in a context; every tab's uncaught errors count like the first page's.
    const tabsOf = (tabContext: BrowserContext) => async () => {
      const tab = await tabContext.newPage();
      tab.on("pageerror", (error) => b.pageErrors.push(String(error)));
      return tab;
    };
    const signedIn = await sweepBoth(
      tabsOf(context),
      routes.filter((r) => !signedOut.has(r)),
      urlOf,
    );
    // The sign-in pages, as someone not signed in sees them.
    const guest = await newContext(browser, { baseURL: baseUrl });
    let guestSweep: Awaited<ReturnType<typeof sweepBoth>>;
    try {
      guestSweep = await sweepBoth(
        tabsOf(guest),
        routes.filter((r) => signedOut.has(r)),
        urlOf,
      );
    } finally {
      await guest.close();
    }
    for (const size of Object.keys(SIZES) as Size[]) expect([...signedIn.visited[size], ...guestSweep.visited[size]].sort(), size).toEqual(routes);
    expect([...signedIn.tooWide, ...guestSweep.tooWide]).toEqual([]);
    expect(b.pageErrors).toEqual([]);
    // Two screenshots of each of some 50 pages: about 110 s on a loaded 2-core machine, so more than the default limit.
  }, 360_000);
});
