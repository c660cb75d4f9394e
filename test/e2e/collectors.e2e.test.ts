import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { fakeCredentials } from "../fakes/credentials";
import { startToolFakes } from "../fakes/tools";
import { signupViaApi } from "./helpers/accounts";
import { screenshot, useBrowser } from "./helpers/browser";
import { postJson } from "./helpers/tool-pipelines";

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };
const DAY_MS = 86_400_000;
const TAG = "data-product";

/** A UTC day `offset` days from the test's own now (figures are placed relative to it, never on fixed dates). */
const day = (offset: number) => new Date(Date.now() + offset * DAY_MS).toISOString().slice(0, 10);

interface CollectorState {
  connection_name: string;
  enabled: boolean;
  next_run_at: string | null;
  last_run: { rows_read: number; inserted: number; usage_events: number; error: string | null } | null;
}

describe("the collectors page with AWS Cost Explorer, Looker and Fivetran connections", () => {
  const b = useBrowser();
  let fakes: Awaited<ReturnType<typeof startToolFakes>>;
  beforeAll(async () => {
    fakes = await startToolFakes();
  });
  afterAll(async () => {
    await fakes?.close();
  });

  /** How wide the page is compared with the window: more than the window means it scrolls sideways. */
  const widths = (page: Page) =>
    page.evaluate(() => {
      const g = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
      return { scroll: g.document.documentElement.scrollWidth, viewport: g.innerWidth };
    });

  async function registerFake(path: string, body: unknown) {
    const res = await fetch(path, { method: "PUT", body: JSON.stringify(body) });
    expect(res.status).toBe(204);
  }

  it("enables collectors from the page, runs their first pass with Collect now, shows each pass's time and rows, and a refused key's error without the secret", {
    timeout: 180_000,
  }, async () => {
    const { page, context } = b;
    const { session } = await signupViaApi(context);
    const csrf = session.csrf_token;
    const team = ((await (await context.request.get("/api/v1/me")).json()) as { teams: Array<{ id: string }> }).teams[0];

    // AWS: one tagged line a day from a week ago to tomorrow, so a three-day lookback finds four days whenever it runs.
    const aws = {
      access_key_id: `AKIA${crypto.randomUUID().replaceAll("-", "").slice(0, 16).toUpperCase()}`,
      secret_access_key: `fake/${crypto.randomUUID()}/secret`,
    };
    await registerFake(`${fakes.urls.aws_ce}/__fake/accounts/${aws.access_key_id}`, {
      secret_access_key: aws.secret_access_key,
      tag_key: TAG,
      days: Array.from({ length: 9 }, (_, i) => ({ day: day(i - 7), lines: [{ tag: "orders", account: "111122223333", UnblendedCost: "2.50" }] })),
    });
    // Looker: dashboard 42 run three times by one user and Look 7 twice by another, on two recent days.
    const looker = { client_id: `looker-${crypto.randomUUID()}`, client_secret: `secret-${crypto.randomUUID()}` };
    const run = (n: number, r: Record<string, string>) => Array.from({ length: n }, () => r);
    await registerFake(`${fakes.urls.looker}/__fake/instances/${looker.client_id}`, {
      client_secret: looker.client_secret,
      runs: [
        ...run(3, {
          at: `${day(-1)}T09:00:00Z`,
          source: "Dashboard",
          dashboard_id: "42",
          model: "orders",
          view: "orders",
          user_id: "11",
          email: "ana@acme.com",
        }),
        ...run(2, { at: `${day(-2)}T15:00:00Z`, source: "Saved Look", look_id: "7", model: "orders", view: "orders", user_id: "12", email: "bob@acme.com" }),
      ],
    });
    // The same Looker instance with a secret that is no longer valid.
    const wrongSecret = `stale-${crypto.randomUUID()}`;

    const connect = (name: string, kind: string, config: Record<string, unknown>, secrets: Record<string, string>) =>
      postJson(context.request, csrf, "/api/v1/connections", { team_id: team.id, name, kind, config, secrets });
    await connect("aws-billing", "aws", { cost_explorer_url: fakes.urls.aws_ce }, aws);
    await connect("looker-prod", "looker", { base_url: fakes.urls.looker }, looker);
    await connect("looker-old-key", "looker", { base_url: fakes.urls.looker }, { client_id: looker.client_id, client_secret: wrongSecret });

    await page.setViewportSize(DESKTOP);
    await page.goto("/settings/collectors");
    const table = page.getByRole("table", { name: "Collectors" });
    const row = (name: string) => table.locator("tbody tr").filter({ hasText: name });
    await expect.poll(() => table.locator("tbody tr").count()).toBe(3);
    for (const name of ["aws-billing", "looker-prod", "looker-old-key"]) expect(await row(name).innerText()).toContain("Never");

    // Enabled as a user would: the row's Collect button, the kind's own settings, then Collect in the dialog.
    const enable = async (name: string, fill: (dialog: ReturnType<Page["getByRole"]>) => Promise<void>) => {
      await row(name).getByRole("button", { name: "Collect" }).click();
      const dialog = page.getByRole("dialog");
      await expect.poll(() => dialog.innerText()).toContain(name);
      await fill(dialog);
      await dialog.getByLabel("First pass reads back (days)").fill("3");
      await dialog.getByRole("button", { name: "Collect", exact: true }).click();
      await expect.poll(() => dialog.count()).toBe(0);
      await expect.poll(() => row(name).getByRole("button", { name: "Settings" }).count()).toBe(1);
    };
    // An AWS collector without its tag is refused beside the field; with it, it is saved.
    await row("aws-billing").getByRole("button", { name: "Collect" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Collect", exact: true }).click();
    await expect.poll(() => page.getByRole("dialog").innerText()).toContain("an AWS collector needs the cost-allocation tag");
    await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
    await enable("aws-billing", (d) => d.getByLabel("Cost-allocation tag naming the product").fill(TAG));
    await enable("looker-prod", (d) => d.getByLabel("Names → products (optional, one a line)").fill("dashboard:42 = orders"));
    await enable("looker-old-key", async () => {});
    // Before the first pass: scheduled, with its next run about a minute away.
    for (const name of ["aws-billing", "looker-prod", "looker-old-key"]) {
      const text = await row(name).innerText();
      expect(text).toMatch(/scheduled/i);
      expect(text).toMatch(/in (a moment|1 min)/);
    }

    // Each row's "Collect now" runs its first pass at once (the engine's own pass, moved forward) instead of a minute later.
    const collectors = async () => ((await (await context.request.get("/api/v1/collectors")).json()) as { items: CollectorState[] }).items;
    for (const name of ["aws-billing", "looker-prod", "looker-old-key"]) await row(name).getByRole("button", { name: "Collect now" }).click();
    await expect.poll(async () => (await collectors()).filter((c) => c.last_run).length, { timeout: 60_000, interval: 500 }).toBe(3);
    // The page follows the passes to their end without a reload.
    await expect.poll(() => row("aws-billing").innerText(), { timeout: 15_000 }).toContain("4 read · 4 new · 0 corrected");
    // Asked again within the minute: refused, and the page says when to ask again.
    await row("aws-billing").getByRole("button", { name: "Collect now" }).click();
    await expect.poll(() => page.locator("body").innerText()).toContain("asked for less than a minute ago");
    const state = Object.fromEntries((await collectors()).map((c) => [c.connection_name, c]));
    expect(state["aws-billing"].last_run).toMatchObject({ rows_read: 4, inserted: 4, error: null });
    expect(state["looker-prod"].last_run).toMatchObject({ usage_events: 2, error: null });
    expect(state["looker-prod"].last_run!.rows_read).toBeGreaterThan(0);
    expect(state["looker-old-key"].last_run).toMatchObject({ rows_read: 0 });
    for (const c of Object.values(state)) expect(c.next_run_at).not.toBeNull();

    await page.reload();
    await expect.poll(() => row("aws-billing").innerText()).toContain("4 read · 4 new · 0 corrected");
    for (const name of ["aws-billing", "looker-prod"]) {
      const text = await row(name).innerText();
      expect(text).toMatch(/active/i);
      expect(text).toMatch(/just now|\d min ago/);
      // The next pass is the interval (60 minutes) after this one.
      expect(text).toMatch(/in (5\d|60) min/);
      expect(await row(name).locator(".error").count()).toBe(0);
    }
    const lookerRun = state["looker-prod"].last_run!;
    expect(await row("looker-prod").innerText()).toContain(`${lookerRun.rows_read} read · 0 new · 0 corrected · 2 reads`);

    // The refused key: its error is shown in its row, the secret nowhere (page, API, server log).
    const failed = row("looker-old-key");
    expect(await failed.innerText()).toMatch(/error/i);
    const error = state["looker-old-key"].last_run!.error!;
    expect(error).toContain("404");
    expect(await failed.locator(".error").innerText()).toBe(error);
    expect(await page.content()).not.toContain(wrongSecret);
    expect(await page.content()).not.toContain(aws.secret_access_key);
    expect(JSON.stringify(await collectors())).not.toContain(wrongSecret);
    expect(readFileSync(inject("serverLogPath"), "utf8")).not.toContain(wrongSecret);
    await screenshot(page, "collectors-desktop");

    await page.setViewportSize(PHONE);
    await expect.poll(() => failed.locator(".error").isVisible()).toBe(true);
    const { scroll, viewport } = await widths(page);
    expect(scroll).toBeLessThanOrEqual(viewport);
    // The table scrolls sideways inside its card, with the edge shadow saying so; the names stay whole.
    expect(await page.locator(".table-scroll").evaluate((el) => el.classList.contains("more-right"))).toBe(true);
    expect(
      await row("aws-billing")
        .locator(".name")
        .evaluate((el) => (el as unknown as { clientHeight: number }).clientHeight),
    ).toBeLessThan(30);
    await screenshot(page, "collectors-phone");
    expect(b.pageErrors).toEqual([]);
    expect(b.cspViolations).toEqual([]);
  });

  it("a Fivetran connection collects its monthly active rows through the team's Snowflake connection chosen in its dialog", async () => {
    const { page, context } = b;
    const { session } = await signupViaApi(context);
    const csrf = session.csrf_token;
    const team = ((await (await context.request.get("/api/v1/me")).json()) as { teams: Array<{ id: string }> }).teams[0];
    const { snowflake, fivetran } = fakeCredentials;
    // The Platform Connector's table, for this test's Snowflake role: one PAID day of yesterday.
    const role = `MAR_E2E_${crypto.randomUUID().replaceAll("-", "").slice(0, 8).toUpperCase()}`;
    const fivetranId = `conn_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
    await registerFake(`${fakes.urls.snowflake}/__fake/fivetran-metadata/${role}`, {
      incremental_mar: [{ connection_id: fivetranId, free_type: "PAID", measured_date: day(-1), incremental_rows: 300_000 }],
    });
    const connect = (name: string, kind: string, config: Record<string, unknown>, secrets: Record<string, string>) =>
      postJson(context.request, csrf, "/api/v1/connections", { team_id: team.id, name, kind, config, secrets });
    await connect("warehouse-sf", "snowflake", { base_url: fakes.urls.snowflake, account: snowflake.account.toLowerCase(), role }, { token: snowflake.token });
    await connect("fivetran-prod", "fivetran", { base_url: fakes.urls.fivetran }, { api_key: fivetran.api_key, api_secret: fivetran.api_secret });

    await page.setViewportSize(DESKTOP);
    await page.goto("/settings/collectors");
    const row = page.getByRole("table", { name: "Collectors" }).locator("tbody tr").filter({ hasText: "fivetran-prod" });
    await row.getByRole("button", { name: "Collect" }).click();
    const dialog = page.getByRole("dialog");
    // The team's only Snowflake connection is offered, and chosen.
    const warehouse = dialog.getByLabel("Snowflake connection holding Fivetran's metadata");
    await expect.poll(() => warehouse.locator("option").allInnerTexts()).toEqual(["warehouse-sf"]);
    await screenshot(page, "collectors-fivetran-dialog-desktop");
    await page.setViewportSize(PHONE);
    const { scroll, viewport } = await widths(page);
    expect(scroll).toBeLessThanOrEqual(viewport);
    await screenshot(page, "collectors-fivetran-dialog-phone");
    await page.setViewportSize(DESKTOP);
    await dialog.getByRole("button", { name: "Collect", exact: true }).click();
    await expect.poll(() => dialog.count()).toBe(0);

    await row.getByRole("button", { name: "Collect now" }).click();
    await expect.poll(() => row.innerText(), { timeout: 60_000 }).toContain("1 read · 1 new · 0 corrected");
    const costs = (await (await context.request.get("/api/v1/costs?source=fivetran")).json()) as {
      items: Array<{ external_ref: string; quantity: number; unit: string }>;
    };
    expect(costs.items).toEqual([expect.objectContaining({ external_ref: `mar:${day(-1).slice(0, 7)}:${fivetranId}`, quantity: 300_000, unit: "mar" })]);
    expect(b.pageErrors).toEqual([]);
    expect(b.cspViolations).toEqual([]);
  });
});
