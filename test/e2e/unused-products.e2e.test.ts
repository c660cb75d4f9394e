import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatMoney } from "../../web/src/lib/product-model";
import { clockOffsetMs } from "../clock/shift-date.mjs";
import { startHttpToolFake, type HttpToolFake } from "../fakes/http-tool/server";
import { signupViaApi } from "./helpers/accounts";
import { browserApi } from "./helpers/browser-api";
import { artifactPath, reportArtifactsOnFailure } from "./helpers/artifacts";
import { newContext, screenshot, useBrowser } from "./helpers/browser";
import { postJson, TOOL_TOKEN, toolTask } from "./helpers/tool-pipelines";
import { startWrangler, type WranglerServer } from "./helpers/wrangler";

const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

describe("run only what is used, on the product page", () => {
  const b = useBrowser();

  it("sets a product's unused policy, showing the API's objection beside the field, at desktop and phone widths", async () => {
    const { page, context } = b;
    const { session } = await signupViaApi(context);
    const api = browserApi(context, session.csrf_token);
    const me = await api.request<{ teams: Array<{ id: string }> }>("GET", "/me");
    await api.request("POST", "/products", { name: "legacy_mart", title: "Legacy mart", owner_team_id: me.data.teams[0].id });

    await page.setViewportSize(DESKTOP);
    await page.goto("/products/legacy_mart");
    await page.getByRole("heading", { name: "Legacy mart" }).waitFor();
    const card = page.locator("section.card", { has: page.getByRole("heading", { name: "Run only what is used" }) });
    await card.getByText("Slow or pause the pipelines when this product is unused").click();
    await card.getByLabel("After days without use").fill("3");
    await card.getByRole("button", { name: "Save policy" }).click();
    // The API's field error sits under its field.
    await expect.poll(() => card.locator("#unused-after-days-error").count()).toBe(1);
    await card.getByLabel("After days without use").fill("30");
    await card.getByLabel("Then").selectOption("slow");
    await card.getByLabel("Run at most").selectOption("weekly");
    await card.getByRole("button", { name: "Save policy" }).click();
    await expect
      .poll(async () => (await api.request<{ policy: unknown }>("GET", "/products/legacy_mart/unused-policy")).data.policy)
      .toEqual({
        after_days: 30,
        action: "slow",
        slow_to: "weekly",
      });
    await card.scrollIntoViewIfNeeded();
    await screenshot(page, "product-unused-policy");
    await card.screenshot({ path: artifactPath("product-unused-policy-card", "png") });

    await page.setViewportSize(PHONE);
    await page.reload();
    await page.getByRole("heading", { name: "Legacy mart" }).waitFor();
    await expect.poll(() => card.getByLabel("Run at most").inputValue()).toBe("weekly");
    // Nothing wider than the phone's screen.
    const overflow = await page.evaluate(() => {
      const g = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
      return g.document.documentElement.scrollWidth - g.innerWidth;
    });
    expect(overflow).toBeLessThanOrEqual(0);
    await card.scrollIntoViewIfNeeded();
    await screenshot(page, "product-unused-policy-phone");
    await card.screenshot({ path: artifactPath("product-unused-policy-card-phone", "png") });
    expect(b.pageErrors).toEqual([]);
  });
});

const DAY = 86_400_000;
/** Where the first server's clock stands: far enough before the run's own clock for the 3-day grace period to pass. */
const BEFORE_GRACE_MS = 3 * DAY + 30 * 60_000;

/** Nothing wider than the phone's screen. */
async function overflowOf(page: Page) {
  return page.evaluate(() => {
    const g = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
    return g.document.documentElement.scrollWidth - g.innerWidth;
  });
}

/**
 * The policy acting is three business days from its notice, and `wrangler dev` has only the real clock. So this
 * test runs its own server on its own state, its clock (test/clock, as `npm run test:at` pins one) set 3 days and
 * 30 minutes back: the workspace, its pipeline's runs with their measured cost, and the policy are written through
 * the API, and the tenant's own daily check gives the notice. The server is then started again on the same state
 * with the run's clock: the object finds its daily check overdue and runs it, which applies the policy. Nothing is
 * written around the feature; every figure on the pages is what the Worker computed.
 */
describe("run only what is used, once the policy has acted", () => {
  const b = useBrowser();
  const runOffset = clockOffsetMs(process.env.TUTTI_CLOCK_OFFSET_MS);
  let server: WranglerServer;
  let tool: HttpToolFake;

  beforeAll(async () => {
    tool = await startHttpToolFake({ token: TOOL_TOKEN });
    server = await startWrangler({ logPath: artifactPath("unused-products-wrangler-dev", "log"), clockOffsetMs: runOffset - BEFORE_GRACE_MS });
  });
  afterAll(async () => {
    await server?.close();
    await tool?.close();
  });
  reportArtifactsOnFailure(() => server.logPath);

  it("shows what was slowed and what it saved on the product page and the products list, and Undo restores the schedule, at desktop and phone widths", async () => {
    // --- 3 days and 30 minutes ago: the workspace as the policy finds it.
    const serverNow = () => Date.now() - BEFORE_GRACE_MS;
    const past = await newContext(b.browser, { baseURL: server.baseUrl });
    const { account, session } = await signupViaApi(past);
    try {
      const api = browserApi(past, session.csrf_token);
      const team = (await api.request<{ teams: Array<{ id: string; slug: string }> }>("GET", "/me")).data.teams[0];
      await api.request("POST", "/connections", {
        team_id: team.id,
        name: "tool",
        kind: "http",
        config: { base_url: tool.url },
        secrets: { bearer_token: TOOL_TOKEN },
      });
      const push = (spec: Record<string, unknown>) =>
        postJson(past.request, session.csrf_token, "/api/v1/pipelines", { spec_text: JSON.stringify(spec, null, 2), format: "json" });
      await api.request("POST", "/products", { name: "campaigns_2023", title: "Campaigns 2023 mart", owner_team_id: team.id });
      await api.request("POST", "/products", { name: "orders", title: "Orders", owner_team_id: team.id });
      // The workspace reports usage (orders, yesterday); the campaign mart was last used 40 days ago.
      const usage = (product: string, at: number) => ({
        id: `${product}:${at}`,
        product,
        kind: "query",
        consumer: "analyst@example.com",
        at: new Date(at).toISOString(),
      });
      await api.request("POST", "/usage", { events: [usage("orders", serverNow() - DAY), usage("campaigns_2023", serverNow() - 40 * DAY)] });
      await push({
        name: "campaigns_build",
        team: team.slug,
        products: ["campaigns_2023"],
        schedule: { cron: "* * * * *", timezone: "UTC" },
        tasks: [toolTask("build", [])],
      });
      // Two runs and what they cost: the measured cost per run (3 + 5 over two runs = 4) the saving is counted with.
      const runs: string[] = [];
      for (const amount of [3, 5]) {
        const run = await api.request<{ id: string }>("POST", "/pipelines/campaigns_build/runs", {});
        runs.push(run.data.id);
        await api.request("POST", "/costs", {
          records: [
            {
              source: "aws",
              external_ref: `campaigns-run-${amount}`,
              amount,
              currency: "USD",
              started_at: new Date(serverNow() - 60_000).toISOString(),
              attribution: { run_id: run.data.id },
            },
          ],
        });
      }
      await api.request("PUT", "/products/campaigns_2023/unused-policy", { policy: { after_days: 7, action: "slow", slow_to: "daily" } });
      // The tenant's daily check (first due a minute after its object started) tells the owners.
      await expect
        .poll(
          async () => {
            await server.minuteCron();
            return (await api.request<{ notice: unknown }>("GET", "/products/campaigns_2023/unused-policy")).data.notice;
          },
          { timeout: 240_000, interval: 2_000 },
        )
        .not.toBeNull();
    } finally {
      await past.close();
    }

    // --- Now: the same state, the run's clock. The grace period is over; the overdue daily check applies the policy.
    await server.kill();
    await server.restart({ clockOffsetMs: runOffset });
    const context: BrowserContext = await newContext(b.browser, { baseURL: server.baseUrl });
    try {
      const login = await context.request.post("/api/v1/auth/login", { data: { email: account.email, password: account.password } });
      expect(login.status(), await login.text()).toBe(200);
      const api = browserApi(context, ((await login.json()) as { csrf_token: string }).csrf_token);
      type State = {
        in_effect: number;
        actions: Array<{ pipeline: { name: string }; previous_schedule: { cron: string }; new_cron: string | null; cost_per_run: number | null }>;
      };
      await expect
        .poll(
          async () => {
            await server.minuteCron();
            return (await api.request<State>("GET", "/products/campaigns_2023/unused-policy")).data.in_effect;
          },
          { timeout: 120_000, interval: 2_000 },
        )
        .toBe(1);
      const acted = (await api.request<State>("GET", "/products/campaigns_2023/unused-policy")).data;
      expect(acted.actions).toEqual([
        expect.objectContaining({
          pipeline: expect.objectContaining({ name: "campaigns_build" }),
          previous_schedule: expect.objectContaining({ cron: "* * * * *" }),
          new_cron: "0 0 * * *",
          cost_per_run: 4,
        }),
      ]);
      type Pipeline = { schedule_override: string | null; paused: boolean };
      expect((await api.request<Pipeline>("GET", "/pipelines/campaigns_build")).data.schedule_override).toBe("0 0 * * *");
      // A minute of the old schedule goes by unrun: that is the saving, at the measured 4 a run.
      type Saved = { amount: number | null; currency: string; runs_skipped: number; basis: string };
      await expect
        .poll(
          async () =>
            (await api.request<{ scorecard: { saved: Saved | null } }>("GET", "/products/campaigns_2023/scorecard")).data.scorecard.saved?.runs_skipped ?? 0,
          {
            timeout: 150_000,
            interval: 2_000,
          },
        )
        .toBeGreaterThan(0);

      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      const card = page.locator("section.card", { has: page.getByRole("heading", { name: "Run only what is used" }) });
      const scorecardSaved = async () => (await api.request<{ scorecard: { saved: Saved } }>("GET", "/products/campaigns_2023/scorecard")).data.scorecard.saved;
      const totalSaved = async () => (await api.request<{ totals: { saved: number | null } }>("GET", "/scorecard")).data.totals.saved ?? Number.NaN;
      /**
       * The saving grows by 4 with each minute of the old schedule that passes unrun, so the page shows what the API
       * said at some moment between the reads before and after it: one of those amounts, formatted as the page does.
       */
      const amountsBetween = (lo: number, hi: number) => {
        const shown: string[] = [];
        for (let x = lo; x <= hi; x += 4) shown.push(formatMoney(x, "USD"));
        return shown;
      };
      /** The product page's card: what was changed, Undo, and the saving with its basis, against the API's figures. */
      const checkProductPage = async (shot: string) => {
        const before = await scorecardSaved();
        expect(before.amount).toBe(4 * before.runs_skipped);
        expect(before.basis).toContain("cost per run measured over the 30 days before");
        await page.goto("/products/campaigns_2023");
        await page.getByRole("heading", { name: "Campaigns 2023 mart" }).waitFor();
        await card.locator("[data-unused-in-effect]").waitFor();
        expect(await card.locator("[data-unused-in-effect]").innerText()).toContain("1 pipeline is slowed or paused");
        await card.getByRole("button", { name: "Undo" }).waitFor();
        const changed = card.getByRole("list", { name: "Pipelines changed by the policy" }).getByRole("listitem");
        expect(await changed.innerText()).toMatch(/campaigns_build[\s\S]*slowed[\s\S]*\* \* \* \* \*[\s\S]*→[\s\S]*0 0 \* \* \*[\s\S]*runs? skipped/);
        const shown = card.locator("[data-unused-saved]");
        await shown.waitFor();
        const figure = await shown.locator(".figure").innerText();
        const after = await scorecardSaved();
        expect(amountsBetween(before.amount ?? Number.NaN, after.amount ?? Number.NaN)).toContain(figure);
        expect(await shown.innerText()).toContain(after.basis);
        await card.scrollIntoViewIfNeeded();
        await screenshot(page, shot);
        await card.screenshot({ path: artifactPath(`${shot}-card`, "png") });
      };
      /** The products list: the saved tile, with how it was counted. */
      const checkProductsList = async (shot: string) => {
        const before = await totalSaved();
        expect(before).toBeGreaterThan(0);
        await page.goto("/products");
        const value = page.locator("[data-kpi=saved]");
        await value.waitFor();
        const tile = page.locator("section.card", { has: value });
        expect(await tile.innerText()).toContain("Saved by running only what is used");
        expect(await tile.innerText()).toMatch(/runs? skipped on 1 pipelines?\s+of 1 unused product/);
        const figure = (await value.innerText()).trim();
        expect(amountsBetween(before, await totalSaved())).toContain(figure);
        await screenshot(page, shot);
      };

      await page.setViewportSize(DESKTOP);
      await checkProductPage("product-unused-acted");
      await checkProductsList("products-unused-saved");
      await page.setViewportSize(PHONE);
      await checkProductsList("products-unused-saved-phone");
      expect(await overflowOf(page)).toBeLessThanOrEqual(0);
      await checkProductPage("product-unused-acted-phone");
      expect(await overflowOf(page)).toBeLessThanOrEqual(0);

      // Undo: the previous schedule is back (through the API too), and the card says so without a reload.
      await card.getByRole("button", { name: "Undo" }).click();
      await expect
        .poll(async () => (await api.request<Pipeline>("GET", "/pipelines/campaigns_build")).data)
        .toMatchObject({ schedule_override: null, paused: false });
      await expect.poll(() => card.locator("[data-unused-in-effect]").count()).toBe(0);
      await expect.poll(() => card.getByRole("list", { name: "Pipelines changed by the policy" }).innerText()).toContain("undone");
      expect((await api.request<State>("GET", "/products/campaigns_2023/unused-policy")).data.in_effect).toBe(0);
      await card.scrollIntoViewIfNeeded();
      await screenshot(page, "product-unused-undone-phone");
      await page.setViewportSize(DESKTOP);
      await card.scrollIntoViewIfNeeded();
      await card.screenshot({ path: artifactPath("product-unused-undone-card", "png") });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 600_000);
});
