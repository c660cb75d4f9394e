import { describe, expect, it } from "vitest";
import { seedProducts } from "../../scripts/demo/products";
import { browserApi } from "./helpers/browser-api";
import { signupViaApi } from "./helpers/accounts";
import { screenshot, useBrowser } from "./helpers/browser";

/** Waits until every chart on the page has drawn (the loading overlay is gone and the canvas has pixels). */
async function chartsDrawn(page: import("playwright-core").Page, count: number) {
  await expect.poll(() => page.locator("figure.chart canvas").count()).toBe(count);
  await expect.poll(() => page.getByText("Drawing chart…").count()).toBe(0);
  const painted = await page.locator("figure.chart canvas").evaluateAll((canvases) =>
    canvases.map((c) => {
      const canvas = c as unknown as {
        width: number;
        height: number;
        getContext(kind: "2d"): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
      };
      const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
      let inked = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) inked++;
      return canvas.width > 0 && inked > 500;
    }),
  );
  expect(painted.every(Boolean)).toBe(true);
}

describe("data products and costs in the dashboard", () => {
  const b = useBrowser();

  it("shows the ranked scorecard, a product page with its charts and lineage, and the cost explorer with CSV export", async () => {
    const { page, context } = b;
    const { session } = await signupViaApi(context);
    await seedProducts(browserApi(context, session.csrf_token));

    // The scorecard ranks by value for money; the zombie sinks to the bottom.
    await page.goto("/products");
    const table = page.getByRole("table", { name: "Product scorecards" });
    await expect.poll(() => table.locator("tbody tr").count()).toBe(5);
    const order = await table.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-product")));
    expect(order).toEqual(["finance_revenue", "growth_funnel", "churn_model", "ops_kpis", "legacy_marketing_mart"]);
    await expect.poll(() => table.locator("tr[data-product=legacy_marketing_mart]").innerText()).toContain("Zombie");
    await screenshot(page, "products-scorecard");

    // Sorting by cost puts the expensive model first.
    await table.getByRole("button", { name: "Cost MTD" }).click();
    expect(await table.locator("tbody tr").first().getAttribute("data-product")).toBe("churn_model");

    // The product page: KPIs, cost by source and usage charts, lineage of its member datasets.
    await table.getByRole("link", { name: "Finance revenue" }).click();
    await page.waitForURL("**/products/finance_revenue");
    await page.getByRole("heading", { name: "Finance revenue" }).waitFor();
    await expect.poll(() => page.locator("[data-kpi=cost]").innerText()).toMatch(/^\$[\d,.]+$/);
    expect(await page.locator("[data-kpi=ratio]").innerText()).toMatch(/×$/);
    await chartsDrawn(page, 2);
    await expect.poll(() => page.locator(".graph .svelte-flow__node").count()).toBeGreaterThan(3);
    expect(await page.locator("[data-node] .name").allInnerTexts()).toContain("marts.fct_revenue");
    await screenshot(page, "product-page");

    // The cost explorer groups the same ledger by product and by source, and exports what it shows.
    await page.goto("/costs");
    await chartsDrawn(page, 1);
    const totals = page.getByRole("table", { name: "Cost by product" });
    await expect.poll(() => totals.innerText()).toContain("Churn prediction");
    expect(await totals.innerText()).toContain("No product");
    await screenshot(page, "cost-explorer");
    await page.getByLabel("Group by").selectOption({ label: "Source" });
    const bySource = page.getByRole("table", { name: "Cost by source" });
    await expect.poll(() => bySource.innerText()).toContain("Databricks");
    await chartsDrawn(page, 1);
    await screenshot(page, "cost-explorer-by-source");
    const href = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
    expect(href).toContain("group_by=source");
    const csv = await context.request.get(href!);
    expect(csv.headers()["content-type"]).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines[0]).toBe("period,source,source_id,amount,currency");
    expect(lines.some((l) => l.includes(",snowflake,snowflake,"))).toBe(true);

    // Budgets: the churn model went over its limit this month.
    await expect.poll(() => page.getByRole("meter", { name: "Churn prediction budget used" }).getAttribute("aria-valuenow")).toBe("100");

    // The overview puts the same health, spend and movers on one page.
    await page.goto("/");
    await expect.poll(() => page.getByRole("list", { name: "Product health" }).locator("li").count()).toBe(5);
    await screenshot(page, "overview-with-products");
    expect(b.pageErrors).toEqual([]);
  });

  it("creates a product from the dashboard, with a picked dataset, and edits it", async () => {
    const { page, context } = b;
    const { session } = await signupViaApi(context);
    const api = browserApi(context, session.csrf_token);
    await api.request("POST", "/lineage", {
      eventType: "COMPLETE",
      eventTime: new Date().toISOString(),
      run: { runId: "00000000-0000-4000-8000-0000000000aa" },
      job: { namespace: "e2e", name: "build_orders" },
      inputs: [],
      outputs: [{ namespace: "warehouse", name: "marts.orders_daily" }],
      producer: "https://tutti.dev/e2e",
      schemaURL: "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    });

    await page.goto("/products");
    await page.getByRole("button", { name: "New product" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Name", { exact: true }).fill("orders Daily");
    await dialog.getByLabel("Declared value per month").fill("12000");
    await dialog.getByRole("button", { name: "Create product" }).click();
    // The API's field error is shown beside the field.
    await expect.poll(() => dialog.getByText("lowercase letters, digits").count()).toBe(1);
    await dialog.getByLabel("Name", { exact: true }).fill("orders_daily");
    await dialog.getByLabel("Title").fill("Daily orders");
    await dialog.getByLabel("Search datasets to add").fill("orders_daily");
    await dialog.getByRole("button", { name: /marts\.orders_daily/ }).click();
    await dialog.getByRole("button", { name: "Add tag" }).click();
    await dialog.getByLabel("Tag", { exact: true }).fill("orders");
    await screenshot(page, "product-form");
    await dialog.getByRole("button", { name: "Create product" }).click();
    await page.waitForURL("**/products/orders_daily");
    await page.getByRole("heading", { name: "Daily orders" }).waitFor();
    await expect.poll(() => page.locator(".graph .svelte-flow__node").count()).toBe(2);

    await page.getByRole("button", { name: "Edit" }).click();
    await page.getByRole("dialog").getByLabel("Title").fill("Daily orders (v2)");
    await page.getByRole("dialog").getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("heading", { name: "Daily orders (v2)" }).waitFor();
    const saved = await api.request<{ members: { datasets: unknown[]; tags: Array<{ tag: string }> }; declared_value: { monthly_amount: number } }>(
      "GET",
      "/products/orders_daily",
    );
    expect(saved.data.members.datasets).toHaveLength(1);
    expect(saved.data.members.tags.map((t) => t.tag)).toEqual(["orders"]);
    expect(saved.data.declared_value.monthly_amount).toBe(12000);
    expect(b.pageErrors).toEqual([]);
  });

  it("records costs from an uploaded CSV file, showing the API's objections by line", async () => {
    const { page, context } = b;
    await signupViaApi(context);
    const today = new Date().toISOString().slice(0, 10);
    await page.goto("/costs");
    await page.getByRole("button", { name: "Upload CSV" }).click();
    const dialog = page.getByRole("dialog");
    const csv = (currency: string) =>
      Buffer.from(
        `source,external_ref,amount,currency,started_at,description\naws,inv-7/1,120.50,USD,${today},S3\ngcp,inv-7/2,80,${currency},${today},"BigQuery storage, EU"\n`,
      );
    await dialog.getByLabel("CSV file").setInputFiles({ name: "bill.csv", mimeType: "text/csv", buffer: csv("EUR") });
    await expect.poll(() => dialog.innerText()).toContain("2 costs totalling $201");
    await dialog.getByRole("button", { name: "Record 2 costs" }).click();
    await expect.poll(() => dialog.getByRole("alert").innerText()).toContain("Line 3 (currency): the ledger is kept in USD");
    await screenshot(page, "cost-upload-error");
    await dialog.getByLabel("CSV file").setInputFiles({ name: "bill.csv", mimeType: "text/csv", buffer: csv("USD") });
    await dialog.getByRole("button", { name: "Record 2 costs" }).click();
    await expect.poll(() => dialog.getByRole("status").innerText()).toBe("Recorded: 2 new, 0 corrected, 0 already known.");
    await dialog.getByRole("button", { name: "Done" }).click();
    await expect.poll(() => page.getByRole("table", { name: "Cost by product" }).innerText()).toContain("$201");
    expect(b.pageErrors).toEqual([]);
  });
});
