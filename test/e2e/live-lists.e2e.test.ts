import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { screenshot, useBrowser } from "./helpers/browser";
import { postJson, setUp, toolTask, useToolFake } from "./helpers/tool-pipelines";

/** The page's globals this file touches (the test's own TypeScript knows no DOM). */
interface PageGlobals {
  document: { visibilityState: string; dispatchEvent(e: unknown): void; documentElement: { scrollWidth: number } };
  Event: new (type: string) => unknown;
}

/** Makes the page believe its tab was hidden or shown again, as switching tabs does. */
async function setTabVisible(page: Page, visible: boolean) {
  await page.evaluate((v) => {
    const { document, Event } = globalThis as unknown as PageGlobals;
    Object.defineProperty(document, "visibilityState", { value: v ? "visible" : "hidden", configurable: true });
    document.dispatchEvent(new Event("visibilitychange"));
  }, visible);
}

describe("lists that keep themselves current", () => {
  const b = useBrowser();
  const fake = useToolFake();

  it("the runs list shows a new run without a reload, says how old it is, and reads nothing while the tab is hidden", async () => {
    const { page, context } = b;
    const { team, push, csrf } = await setUp(context, fake.tool.url);
    await push({ name: "hourly_orders", team: team.slug, tasks: [toolTask("load", [])] });
    // The page's timers run on a clock the test moves, so "every 15 s" takes no real 15 s.
    await page.clock.install();
    const listReads: string[] = [];
    page.on("request", (r) => {
      if (new URL(r.url()).pathname === "/api/v1/runs") listReads.push(r.url());
    });

    await page.goto("/runs");
    await page.getByText("No runs yet").waitFor();
    const updated = page.getByTestId("updated-ago");
    expect(await updated.innerText()).toBe("Updated just now");
    await page.evaluate(() => ((globalThis as unknown as { stayedOnPage: boolean }).stayedOnPage = true));

    const first = (await postJson(context.request, csrf, "/api/v1/pipelines/hourly_orders/runs", {})).id as string;
    await page.clock.runFor(16_000);
    const table = page.getByRole("table", { name: "Runs" });
    await expect.poll(() => table.innerText(), { timeout: 15_000 }).toContain(first);
    await expect.poll(() => updated.innerText()).toBe("Updated just now");
    await page.clock.runFor(30_000);
    // Read again at 15 s intervals meanwhile, so still fresh; the wording follows the last read.
    expect(await updated.innerText()).toMatch(/^Updated (just now|\d+ s ago)$/);
    await screenshot(page, "live-lists-01-runs");

    // A hidden tab reads nothing, however long it stays hidden.
    await setTabVisible(page, false);
    const readsWhileVisible = listReads.length;
    const second = (await postJson(context.request, csrf, "/api/v1/pipelines/hourly_orders/runs", {})).id as string;
    await page.clock.runFor(120_000);
    expect(listReads.length).toBe(readsWhileVisible);
    expect(await table.innerText()).not.toContain(second);
    // Shown again after more than one interval: it reads at once, without waiting for the next tick.
    await setTabVisible(page, true);
    await expect.poll(() => table.innerText(), { timeout: 15_000 }).toContain(second);
    expect(await page.evaluate(() => (globalThis as unknown as { stayedOnPage?: boolean }).stayedOnPage)).toBe(true);

    // At phone width the line sits with the page's actions and the page does not scroll sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    await updated.waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, "live-lists-02-runs-phone");
  });

  it("the Overview says when it was read and shows a run that failed after it was read", async () => {
    const { page, context } = b;
    const { team, push, csrf } = await setUp(context, fake.tool.url);
    await push({ name: "nightly_sales", team: team.slug, tasks: [toolTask("load", [], 1, { outcome: "failed", message: "warehouse refused the load" })] });
    // A workspace with a run already (an empty one shows the getting-started guide instead).
    await push({ name: "warm_up", team: team.slug, tasks: [toolTask("ping", [])] });
    await postJson(context.request, csrf, "/api/v1/pipelines/warm_up/runs", {});
    await page.clock.install();
    await page.goto("/");
    await page.getByTestId("updated-ago").waitFor();
    const failed = page.locator("section.card").filter({ has: page.getByRole("heading", { name: "Recent failed runs" }) });
    await failed.getByText("No failed runs").waitFor();

    await postJson(context.request, csrf, "/api/v1/pipelines/nightly_sales/runs", {});
    await expect
      .poll(
        async () => {
          await page.clock.runFor(16_000);
          return failed.innerText();
        },
        { timeout: 60_000, interval: 500 },
      )
      .toContain("nightly_sales");
    await screenshot(page, "live-lists-03-overview");
  });
});
