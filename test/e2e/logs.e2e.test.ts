import { describe, expect, it } from "vitest";
import { screenshot, useBrowser } from "./helpers/browser";
import { postJson, setUp, toolTask, useToolFake } from "./helpers/tool-pipelines";

describe("task logs on the run page", () => {
  const b = useBrowser();
  const fake = useToolFake();

  it("shows each task's tool log beside it, searches it with highlights and downloads it, also at 390 px", async () => {
    const { page, context } = b;
    const { team, push, csrf } = await setUp(context, fake.tool.url);
    await push({ name: "orders_sync", team: team.slug, tasks: [toolTask("sync", [], 2)] });
    const runId = (await postJson(context.request, csrf, "/api/v1/pipelines/orders_sync/runs", {})).id as string;

    await page.goto(`/runs/${runId}`);
    await expect.poll(() => page.getByRole("region", { name: "Run summary" }).innerText(), { timeout: 60_000 }).toContain("Succeeded");
    const log = page.locator('details[data-log="sync"]');
    await log.locator("summary").click();
    const text = log.getByLabel("Log of sync", { exact: true });
    await expect.poll(() => text.innerText(), { timeout: 30_000 }).toContain("(trigger response)");
    expect(await text.innerText()).toContain('"status":"succeeded"');

    await log.getByRole("searchbox").fill("succeeded");
    await expect.poll(() => log.locator("mark").count()).toBeGreaterThan(0);
    expect(await log.locator("mark").first().innerText()).toBe("succeeded");
    expect(await log.innerText()).toMatch(/\d+ match/);

    const download = log.getByRole("link", { name: "Download" });
    const href = await download.getAttribute("href");
    expect(href).toBe(`/api/v1/runs/${runId}/tasks/sync/attempts/1/log/download`);
    const file = await context.request.get(href!);
    expect(file.headers()["content-disposition"]).toBe(`attachment; filename="${runId}-sync-attempt1.log"`);
    expect(await file.text()).toContain("(trigger response)");
    await screenshot(page, "logs-01-run-page");

    await page.setViewportSize({ width: 390, height: 844 });
    await log.scrollIntoViewIfNeeded();
    expect(
      await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth),
    ).toBeLessThanOrEqual(390);
    await screenshot(page, "logs-02-run-page-phone");
  });
});
