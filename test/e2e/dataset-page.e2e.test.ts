import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { APIRequestContext } from "playwright-core";
import { describe, expect, it } from "vitest";
import { signupViaApi } from "./helpers/accounts";
import { screenshot, useBrowser } from "./helpers/browser";
import { repoRoot } from "./helpers/processes";

const fixtures = join(repoRoot, "test", "fixtures", "openlineage", "apples");

async function send(request: APIRequestContext, csrf: string, method: "post" | "patch", path: string, data: unknown) {
  const res = await request[method](path, { data, headers: { "x-csrf-token": csrf } });
  if (res.status() >= 300) throw new Error(`${path}: ${res.status()} ${await res.text()}`);
  return res.json();
}

/** Page width against the window's: more than the window means the page scrolls sideways. */
const widths = (page: import("playwright-core").Page) =>
  page.evaluate(() => {
    const g = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
    return { scroll: g.document.documentElement.scrollWidth, viewport: g.innerWidth };
  });

describe("dataset page", () => {
  const b = useBrowser();

  it("leads with health, then the neighbourhood one hop each way and the products using it, at desktop and phone size", async () => {
    const { page, context } = b;
    const { session } = await signupViaApi(context);
    const csrf = session.csrf_token;
    const events = readdirSync(fixtures)
      .sort()
      .map((f) => JSON.parse(readFileSync(join(fixtures, f), "utf8")));
    await send(context.request, csrf, "post", "/api/v1/lineage/batch", events);
    const found = await (await context.request.get("/api/v1/datasets?q=apple.filling")).json();
    const filling = found.items.find((d: { name: string }) => d.name === "apple.filling");
    await send(context.request, csrf, "patch", `/api/v1/datasets/${filling.id}`, { freshness: { cron: "0 7 * * *", timezone: "UTC", max_age: "24h" } });
    await send(context.request, csrf, "post", "/api/v1/quality", {
      results: [
        { dataset_id: filling.id, check: "sweetness_between", status: "fail" },
        { dataset_id: filling.id, check: "not_null", column: "apple_id", status: "pass" },
      ],
    });
    const team = (await (await context.request.get("/api/v1/me")).json()).teams[0];
    await send(context.request, csrf, "post", "/api/v1/products", { name: "pies", title: "Pies", owner_team_id: team.id, datasets: [{ id: filling.id }] });

    for (const [size, viewport] of [
      ["desktop", { width: 1440, height: 900 }],
      ["phone", { width: 390, height: 844 }],
    ] as const) {
      await page.setViewportSize(viewport);
      await page.goto(`/datasets/${filling.id}`);
      await page.getByRole("heading", { level: 1, name: "apple.filling" }).waitFor();
      const health = page.getByRole("group", { name: "Health" });
      // Written in 2020 against a daily deadline: late; one of the two latest checks fails.
      await expect.poll(() => health.locator('[data-kpi="freshness"]').textContent()).toContain("Late");
      expect(await health.locator('[data-kpi="quality"]').textContent()).toContain("Failing");
      expect(await health.textContent()).toContain("1 of 2 checks pass");
      expect(await health.textContent()).toContain("prepare_apple_filling");

      const upstream = page.getByRole("region", { name: "Upstream" });
      const downstream = page.getByRole("region", { name: "Downstream" });
      await upstream.getByRole("link", { name: "cinnamon" }).waitFor();
      expect(await upstream.getByText("prepare_apple_filling").count()).toBe(1);
      expect(await upstream.getByRole("link", { name: "apples", exact: true }).getAttribute("href")).toMatch(/^\/datasets\/ds_/);
      await downstream.getByRole("link", { name: "apple.pie" }).waitFor();
      expect(await page.getByRole("region", { name: "Data products" }).getByRole("link", { name: "pies" }).getAttribute("href")).toBe("/products/pies");

      await page.waitForLoadState("networkidle");
      await screenshot(page, `dataset-page-${size}`);
      const { scroll, viewport: width } = await widths(page);
      expect(scroll, `${size}: the page scrolls sideways`).toBeLessThanOrEqual(width);
    }

    // A neighbour's link leads to that dataset's own page, which leads with its health too.
    await page.getByRole("region", { name: "Upstream" }).getByRole("link", { name: "apples", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: "apples" }).waitFor();
    await page.getByRole("group", { name: "Health" }).waitFor();
  });
});
