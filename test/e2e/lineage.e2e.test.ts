import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { APIRequestContext } from "playwright-core";
import { describe, expect, it } from "vitest";
import { signupViaApi } from "./helpers/accounts";
import { screenshot, useBrowser } from "./helpers/browser";
import { repoRoot } from "./helpers/processes";

const fixtures = join(repoRoot, "..", "shared", "fixtures");

async function postJson(request: APIRequestContext, csrf: string, path: string, data: unknown) {
  const res = await request.post(path, { data, headers: { "x-csrf-token": csrf } });
  if (res.status() >= 300) throw new Error(`${path}: ${res.status()} ${await res.text()}`);
  return res.json();
}

describe("lineage explorer", () => {
  const b = useBrowser();

  it("searches a dataset, shows its upstream and downstream with owners, expands a node and shows the dataset's details", async () => {
    const { page, context } = b;
    const { session } = await signupViaApi(context);
    const csrf = session.csrf_token;
    const apples = readdirSync(join(fixtures, "openlineage/apples")).sort();
    await postJson(
      context.request,
      csrf,
      "/api/v1/lineage/batch",
      apples.map((f) => JSON.parse(readFileSync(join(fixtures, "openlineage/apples", f), "utf8"))),
    );
    // A failing check on the filling, so health shows on the graph.
    await postJson(context.request, csrf, "/api/v1/quality", {
      results: [{ dataset: { namespace: "grandmas.kitchen", name: "apple.filling" }, check: "sweetness_between", status: "fail" }],
    });

    await page.goto("/lineage");
    await page.getByPlaceholder("Search datasets by name").fill("apple.filling");
    await page.getByRole("button", { name: /apple\.filling/ }).click();
    const graph = page.getByRole("figure", { name: /Lineage graph/ });
    await expect.poll(() => graph.locator("[data-node]").count()).toBeGreaterThan(4);
    // Depth 3 both ways from the filling: apples and the pie are in, the crab apples four edges up are not.
    await expect.poll(() => graph.getByText("apple.pie").count()).toBeGreaterThan(0);
    expect(await graph.getByText("crab.apples").count()).toBe(0);
    await expect.poll(() => graph.locator('[data-health="failed"]').count()).toBe(1);

    // gather_apples is three edges up; expanding it brings in the orchards the apples came from.
    await graph.getByRole("button", { name: "Show the neighbours of gather_apples" }).click();
    await expect.poll(() => graph.getByText("crab.apples").count()).toBeGreaterThan(0);
    expect(await graph.getByText("red.delicious").count()).toBe(1);

    const details = page.locator("[data-details]");
    await expect.poll(() => details.getByRole("heading").textContent()).toBe("apple.filling");
    await details.getByRole("tab", { name: "Quality" }).click();
    await expect.poll(() => details.getByText("sweetness_between").count()).toBe(1);
    await details.getByRole("tab", { name: "Impact" }).click();
    await expect.poll(() => details.getByText(/1 datasets and 1 jobs downstream/).count()).toBe(1);
    await screenshot(page, "lineage-explorer");
    expect(b.pageErrors).toEqual([]);
  });
});
