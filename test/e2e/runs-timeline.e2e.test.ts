import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { screenshot, useBrowser } from "./helpers/browser";
import { postJson, setUp, toolTask, useToolFake } from "./helpers/tool-pipelines";

/** The page's globals this file reads (the test's own TypeScript knows no DOM). */
interface PageGlobals {
  innerWidth: number;
  document: { documentElement: { scrollWidth: number }; querySelectorAll(s: string): ArrayLike<unknown> };
  getComputedStyle(e: unknown): { fontSize: string };
}

const viewports = [
  { name: "desktop", width: 1440, height: 900 },
  { name: "phone", width: 390, height: 844 },
] as const;

async function noHorizontalOverflow(page: Page) {
  const { scroll, viewport } = await page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    return { scroll: g.document.documentElement.scrollWidth, viewport: g.innerWidth };
  });
  expect(scroll, "page wider than the viewport").toBeLessThanOrEqual(viewport);
}

/** The smallest font size of the timeline's text: axis labels, pipeline names, legend. */
const smallestText = (page: Page) =>
  page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    const texts = Array.from(g.document.querySelectorAll(".timeline .tick, .timeline .name, .timeline .legend span, .timeline p"));
    return Math.min(...texts.map((e) => Number.parseFloat(g.getComputedStyle(e).fontSize)));
  });

describe("the runs timeline", () => {
  const b = useBrowser();
  const fake = useToolFake();

  it("draws a row per pipeline and a bar per run linking to it, keeps view, window and filters in the URL, and fits 1440 and 390 px", async () => {
    const { page, context } = b;
    const { team, push, csrf } = await setUp(context, fake.tool.url);
    await push({
      name: "orders_sync",
      team: team.slug,
      params: { outcome: "succeeded" },
      tasks: [toolTask("sync", [], 1, { outcome: "${{ params.outcome }}" })],
    });
    // Polls for far longer than the test: running until the test cancels it.
    await push({ name: "marts_build", team: team.slug, tasks: [toolTask("build", [], 100_000)] });
    const run = async (pipeline: string, params = {}) => (await postJson(context.request, csrf, `/api/v1/pipelines/${pipeline}/runs`, { params })).id as string;
    const ok = await run("orders_sync");
    const bad = await run("orders_sync", { outcome: "failed" });
    const going = await run("marts_build");
    // Cancelled however the test ends, so the workspace goes idle after it.
    try {
      const status = async (id: string) => (await (await context.request.get(`/api/v1/runs/${id}`)).json()).status;
      await expect.poll(() => status(ok), { timeout: 60_000 }).toBe("succeeded");
      await expect.poll(() => status(bad), { timeout: 60_000 }).toBe("failed");
      await expect.poll(() => status(going), { timeout: 60_000 }).toBe("running");

      // The page's refresh timer runs on a clock the test moves; the window ends at the server's now.
      await page.clock.install();
      await page.setViewportSize({ width: viewports[0].width, height: viewports[0].height });
      await page.goto("/runs");
      await page.getByRole("group", { name: "View" }).getByRole("button", { name: "Timeline" }).click();
      await page.waitForURL(/\/runs\?view=timeline$/);
      expect(await page.getByRole("group", { name: "Window" }).locator("button[aria-pressed=true]").innerText()).toBe("24 hours");

      const timeline = page.getByRole("figure", { name: "Runs over the last 24 hours" });
      const rows = timeline.getByRole("list", { name: "Pipelines" }).getByRole("listitem");
      await expect.poll(() => rows.count()).toBe(2);
      expect(await rows.evaluateAll((items) => items.map((li) => li.getAttribute("data-pipeline")))).toEqual(["marts_build", "orders_sync"]);
      const bar = (id: string) => timeline.locator(`a.bar[data-run="${id}"]`);
      expect(await timeline.locator("a.bar").count()).toBe(3);
      for (const id of [ok, bad, going]) expect(await bar(id).getAttribute("href")).toBe(`/runs/${id}`);
      expect(await bar(ok).getAttribute("aria-label")).toMatch(/^orders_sync, Succeeded, started \d+ \w{3} \d{4}, \d\d:\d\d:\d\d, ran [\d.]+ (ms|s)/);
      expect(await bar(bad).getAttribute("aria-label")).toMatch(/^orders_sync, Failed, started .+, ran /);
      expect(await bar(going).getAttribute("aria-label")).toMatch(/^marts_build, Running, started .+, ran .+ so far$/);
      expect(await bar(going).getAttribute("class")).toContain("striped");
      // The legend says what each colour and mark means.
      for (const text of [
        "Succeeded",
        "Failed or timed out",
        "Running (up to now)",
        "Queued, not started yet",
        "Cancelled or skipped",
        "Began before the window",
      ]) {
        expect(await timeline.locator("figcaption").getByText(text, { exact: true }).count()).toBe(1);
      }

      for (const v of viewports) {
        await page.setViewportSize({ width: v.width, height: v.height });
        // A running run's bar reaches the right edge (now), also after the next refresh, when now has moved on.
        const track = timeline.locator('li[data-pipeline="marts_build"] .track');
        const reachesNow = async () => {
          const [t, r] = [await track.boundingBox(), await bar(going).boundingBox()];
          return Math.abs(t!.x + t!.width - (r!.x + r!.width));
        };
        await expect.poll(reachesNow).toBeLessThanOrEqual(1);
        await page.clock.runFor(16_000);
        await expect.poll(reachesNow).toBeLessThanOrEqual(1);
        // Every bar is inside the viewport and big enough to see; every label is at least 11 px.
        for (const id of [ok, bad, going]) {
          const box = (await bar(id).boundingBox())!;
          expect(box.x).toBeGreaterThanOrEqual(0);
          expect(box.x + box.width).toBeLessThanOrEqual(v.width);
          expect(box.width).toBeGreaterThanOrEqual(3);
        }
        expect(await smallestText(page)).toBeGreaterThanOrEqual(11);
        await noHorizontalOverflow(page);
        await screenshot(page, `runs-timeline-24h-${v.name}`);
      }

      // Another window and a filter: both in the URL, both kept by a reload; the filter applies to the timeline.
      await page.getByRole("group", { name: "Window" }).getByRole("button", { name: "6 hours" }).click();
      await page.waitForURL(/view=timeline&window=6h$/);
      await page.getByRole("figure", { name: "Runs over the last 6 hours" }).waitFor();
      await page.getByRole("combobox", { name: /^Status/ }).selectOption("failed");
      await page.waitForURL(/status=failed/);
      await page.reload();
      const six = page.getByRole("figure", { name: "Runs over the last 6 hours" });
      await expect.poll(() => six.locator("a.bar").count()).toBe(1);
      expect(await six.locator("a.bar").getAttribute("data-run")).toBe(bad);
      await noHorizontalOverflow(page);
      await screenshot(page, "runs-timeline-6h-failed-phone");

      // A bar is a link to its run.
      await six.locator("a.bar").click();
      await page.waitForURL(new RegExp(`/runs/${bad}$`));
    } finally {
      await postJson(context.request, csrf, `/api/v1/runs/${going}/cancel`, {});
    }
    expect(b.pageErrors).toEqual([]);
  });
});
