import { describe, expect, it } from "vitest";
import { screenshot, useBrowser } from "./helpers/browser";
import { postJson, setUp, toolTask, useToolFake } from "./helpers/tool-pipelines";

describe("a pipeline's history in the dashboard", () => {
  const b = useBrowser();
  const fake = useToolFake();

  it("shows the success rate, a bar per run linking to it and runs per day, over the range chosen, also at 390 px", async () => {
    const { page, context } = b;
    const { team, push, csrf } = await setUp(context, fake.tool.url);
    await push({
      name: "flaky_sync",
      team: team.slug,
      params: { outcome: "succeeded" },
      tasks: [toolTask("sync", [], 1, { outcome: "${{ params.outcome }}" })],
    });
    const ids: string[] = [];
    for (const outcome of ["succeeded", "succeeded", "failed"]) {
      ids.push((await postJson(context.request, csrf, "/api/v1/pipelines/flaky_sync/runs", { params: { outcome } })).id as string);
    }
    // Every run ends before the page reads the history.
    for (const id of ids) {
      await expect
        .poll(async () => (await (await context.request.get(`/api/v1/runs/${id}`)).json()).status, { timeout: 60_000 })
        .toMatch(/^(succeeded|failed)$/);
    }

    await page.goto("/pipelines/flaky_sync?tab=runs");
    const card = page.locator("section.card").filter({ has: page.getByRole("heading", { name: "History" }) });
    await expect.poll(() => card.locator('[data-kpi="success-rate"]').innerText()).toBe("66.7 %");
    expect(await card.locator('[data-kpi="runs"]').innerText()).toBe("3");
    const bars = card.getByRole("list", { name: "Latest runs, oldest first" }).getByRole("link");
    expect(await bars.count()).toBe(3);
    expect(await bars.last().getAttribute("href")).toBe(`/runs/${ids[2]}`);
    expect(await bars.last().getAttribute("aria-label")).toMatch(/^Failed run queued/);
    const perDay = card.getByRole("list", { name: "Runs per day", exact: true }).getByRole("listitem");
    expect(await perDay.count()).toBe(30);
    // Summed over the days: runs started a moment before midnight (UTC) and after it land on two days.
    const labels = await perDay.evaluateAll((items) => items.map((li) => li.getAttribute("aria-label") ?? ""));
    const sum = (re: RegExp) => labels.reduce((n, l) => n + Number(re.exec(l)?.[1] ?? 0), 0);
    expect([sum(/: (\d+) runs/), sum(/(\d+) succeeded/), sum(/(\d+) failed/)]).toEqual([3, 2, 1]);
    await screenshot(page, "pipeline-history-01-desktop");

    await card.getByRole("button", { name: "7 days" }).click();
    await expect.poll(() => perDay.count()).toBe(7);
    expect(await card.getByRole("button", { name: "7 days" }).getAttribute("aria-pressed")).toBe("true");

    await page.setViewportSize({ width: 390, height: 844 });
    await card.scrollIntoViewIfNeeded();
    const widths = await page.evaluate(() => {
      const g = globalThis as unknown as { document: { documentElement: { scrollWidth: number } }; innerWidth: number };
      return { scroll: g.document.documentElement.scrollWidth, viewport: g.innerWidth };
    });
    expect(widths.scroll).toBeLessThanOrEqual(widths.viewport);
    await screenshot(page, "pipeline-history-02-phone");
  });
});
