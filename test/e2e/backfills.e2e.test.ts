import { describe, expect, it } from "vitest";
import { screenshot, useBrowser } from "./helpers/browser";
import { postJson, setUp, toolTask, useToolFake } from "./helpers/tool-pipelines";

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1360, height: 900 };
const nightly = { cron: "0 2 * * *", timezone: "UTC" };

describe("backfills in the dashboard", () => {
  const b = useBrowser();
  const fake = useToolFake();

  /** How wide the page is compared with the window: more than the window means it scrolls sideways. */
  const widths = () =>
    b.page.evaluate(() => {
      const g = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
      return { scroll: g.document.documentElement.scrollWidth, viewport: g.innerWidth };
    });

  it("follows a backfill from its pipeline's page, pauses and cancels it there, at desktop and phone size", async () => {
    const { page, context } = b;
    const { team, push, csrf } = await setUp(context, fake.tool.url);
    await push({ name: "nightly_loads", team: team.slug, schedule: nightly, tasks: [toolTask("load", [], 1000)] });
    const made = await postJson(context.request, csrf, "/api/v1/pipelines/nightly_loads/backfills", {
      from: "2026-01-01T00:00:00Z",
      to: "2026-01-04T23:59:59Z",
      parallelism: 1,
    });

    // Reached from the pipeline's Backfill tab, where the pipeline's backfills are listed with their progress.
    await page.goto("/pipelines/nightly_loads?tab=backfill");
    const table = page.getByRole("table", { name: "Backfills" });
    await expect.poll(() => table.innerText()).toContain(made.id);
    expect(await table.innerText()).toContain("0 of 4 succeeded");
    await table.getByRole("link", { name: made.id }).click();
    await page.getByRole("heading", { level: 1, name: "Backfill of nightly_loads" }).waitFor();
    const slots = page.getByRole("list", { name: "Slots" });
    await expect.poll(() => slots.locator("[data-slot]").count()).toBe(4);
    await expect.poll(() => slots.locator('[data-status="running"]').count()).toBe(1);
    expect(await slots.locator("[data-slot]").first().getAttribute("data-slot")).toBe("2026-01-01T02:00:00.000Z");

    await page.getByRole("button", { name: "Pause" }).click();
    await page.getByRole("button", { name: "Resume" }).waitFor();
    expect(await page.locator(".summary").innerText()).toContain("Paused");
    await screenshot(page, "backfills-01-paused-desktop");

    // On a phone: the same page, nothing wider than the screen, the actions still there.
    await page.setViewportSize(PHONE);
    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Backfill of nightly_loads" }).waitFor();
    await expect.poll(() => slots.locator("[data-slot]").count()).toBe(4);
    const { scroll, viewport } = await widths();
    expect(scroll).toBeLessThanOrEqual(viewport);
    expect(await page.getByRole("button", { name: "Resume" }).isVisible()).toBe(true);
    await screenshot(page, "backfills-02-paused-phone");

    await page.getByRole("button", { name: "Cancel backfill" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Cancel backfill" }).click();
    await expect.poll(() => page.locator(".summary").innerText()).toContain("Cancelled");
    expect(await page.getByRole("button", { name: "Resume" }).count()).toBe(0);
    await page.reload();
    await expect.poll(() => slots.locator('[data-status="cancelled"]').count()).toBe(4);
    await screenshot(page, "backfills-03-cancelled-phone");

    // The list of every backfill filters by state through the URL, on the phone too.
    await page.goto("/backfills?status=cancelled");
    await expect.poll(() => page.getByRole("table", { name: "Backfills" }).innerText()).toContain(made.id);
    const list = await widths();
    expect(list.scroll).toBeLessThanOrEqual(list.viewport);
    await screenshot(page, "backfills-04-list-phone");
    await page.goto("/backfills?status=running");
    await page.getByRole("heading", { name: "No backfills match these filters" }).waitFor();
    expect(b.pageErrors).toEqual([]);
  });

  it("retries only a backfill's failed slots from its page", async () => {
    const { page, context } = b;
    await page.setViewportSize(DESKTOP);
    const { team, push, csrf } = await setUp(context, fake.tool.url);
    // The tool refuses the first two trigger calls for this key: one slot at a time, so two slots fail and one succeeds.
    const key = `e2e-bf-${crypto.randomUUID()}`;
    await push({ name: "flaky_loads", team: team.slug, schedule: nightly, tasks: [toolTask("load", [], 1, { fail_times: 2, key })] });
    const made = await postJson(context.request, csrf, "/api/v1/pipelines/flaky_loads/backfills", {
      from: "2026-01-01T00:00:00Z",
      to: "2026-01-03T23:59:59Z",
      parallelism: 1,
    });

    await page.goto(`/backfills/${made.id}`);
    await page.getByRole("heading", { level: 1, name: "Backfill of flaky_loads" }).waitFor();
    const slots = page.getByRole("list", { name: "Slots" });
    // The page reads the backfill again by itself while slots are left to run.
    await expect.poll(() => page.locator(".summary").innerText(), { timeout: 60_000 }).toContain("Failed");
    expect(await slots.locator('[data-status="failed"]').count()).toBe(2);
    const kept = await slots.locator('[data-status="succeeded"]').getAttribute("href");
    await screenshot(page, "backfills-05-failed");

    await page.getByRole("button", { name: "Retry failed slots" }).click();
    await expect.poll(() => page.locator(".summary").innerText(), { timeout: 60_000 }).toContain("Succeeded");
    expect(await slots.locator('[data-status="succeeded"]').count()).toBe(3);
    expect(await slots.getByText("2 runs").count()).toBe(2);
    expect(await slots.locator(`[href="${kept}"]`).count()).toBe(1);
    expect(await page.getByRole("button", { name: "Retry failed slots" }).count()).toBe(0);
    await screenshot(page, "backfills-06-retried");
    expect(b.pageErrors).toEqual([]);
  });
});
