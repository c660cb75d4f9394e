import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { APIRequestContext } from "playwright-core";
import { describe, expect, it } from "vitest";
import { signupViaApi } from "./helpers/accounts";
import { artifactPath } from "./helpers/artifacts";
import { screenshot, useBrowser } from "./helpers/browser";
import { repoRoot } from "./helpers/processes";

const fixtures = join(repoRoot, "test", "fixtures");

/** The page's one function the font-size check reads, typed here because test code is compiled without the DOM library. */
interface PageGlobals {
  getComputedStyle(el: unknown): { fontSize: string };
}

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

    // The first view fits the graph only down to the zoom where its smallest label still draws at 11 px, so three
    // edges up is off to the left; the Fit View control shows the whole graph.
    const zoom = async () => Number((await graph.locator(".svelte-flow__viewport").getAttribute("style"))?.match(/scale\(([\d.]+)\)/)?.[1]);
    const smallestLabel = await graph
      .locator("[data-node] .name, [data-node] .meta")
      .evaluateAll((els) => Math.min(...els.map((el) => Number.parseFloat((globalThis as unknown as PageGlobals).getComputedStyle(el).fontSize))));
    await expect.poll(async () => smallestLabel * (await zoom())).toBeGreaterThanOrEqual(11 - 1e-6);
    await graph.getByRole("button", { name: "Fit View" }).click();
    await expect.poll(zoom).toBeLessThan(0.75);

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

    // A node is reachable by keyboard: Enter on a focused node selects it like a click.
    await graph.locator(".svelte-flow__node", { has: page.locator("[data-node] .name", { hasText: "apple.pie" }) }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => details.getByRole("heading").textContent()).toBe("apple.pie");
    await screenshot(page, "lineage-explorer");
    expect(b.pageErrors).toEqual([]);
  });

  it("lists a dbt project's models with their last status, and shows a model's dataset page: schema, quality, runs, raw events, freshness", async () => {
    const { page, context } = b;
    const { session } = await signupViaApi(context);
    const csrf = session.csrf_token;
    const dbt = join(fixtures, "dbt/bigquery-1.9");
    const uploaded = await context.request.post("/api/v1/dbt/artifacts", {
      headers: { "x-csrf-token": csrf },
      multipart: {
        project: "jaffle_bq",
        environment: "prod",
        manifest: { name: "manifest.json", mimeType: "application/json", buffer: readFileSync(join(dbt, "manifest.json")) },
        run_results: { name: "run_results.json", mimeType: "application/json", buffer: readFileSync(join(dbt, "run_results.json")) },
      },
    });
    expect(uploaded.status(), await uploaded.text()).toBe(201);

    // A validation run reads the customers model: its schema facet (with a nested field) and a failing assertion land on the dataset.
    const customers = { namespace: "bigquery", name: "your-project.jaffle_shop.customers" };
    const runId = "0190f4d2-7c1e-7a3b-9d2e-5b8f1c2a3d4e";
    const producer = "https://github.com/great-expectations/great_expectations";
    const job = { namespace: "great_expectations", name: "ge_validation" };
    await postJson(context.request, csrf, "/api/v1/lineage/batch", [
      { eventType: "START", eventTime: "2026-03-02T06:00:00.000Z", producer, run: { runId }, job, inputs: [customers], outputs: [] },
      {
        eventType: "COMPLETE",
        eventTime: "2026-03-02T06:01:30.000Z",
        producer,
        schemaURL: "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        run: { runId },
        job,
        inputs: [
          {
            ...customers,
            facets: {
              schema: {
                _producer: producer,
                _schemaURL: "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json",
                fields: [
                  { name: "customer_id", type: "INT64", description: "Primary key" },
                  { name: "first_name", type: "STRING" },
                  { name: "address", type: "STRUCT", fields: [{ name: "postcode", type: "STRING" }] },
                ],
              },
            },
            inputFacets: {
              dataQualityAssertions: {
                _producer: producer,
                _schemaURL: "https://openlineage.io/spec/facets/1-0-1/DataQualityAssertionsDatasetFacet.json",
                assertions: [
                  { assertion: "expect_column_values_to_not_be_null", success: false, column: "customer_id" },
                  { assertion: "expect_table_row_count_to_be_between", success: true, params: { min_value: 1 } },
                ],
              },
            },
          },
        ],
        outputs: [],
      },
    ]);

    // The lineage explorer links to the dbt projects.
    await page.goto("/lineage");
    await page.getByRole("main").getByRole("link", { name: "dbt projects" }).click();
    await page.waitForURL("**/dbt");
    const projects = page.getByRole("table", { name: "dbt projects" });
    await expect.poll(() => projects.getByText("1.9.0").count()).toBe(1);
    await screenshot(page, "dbt-projects");
    await projects.getByRole("link", { name: "jaffle_bq" }).click();
    await page.waitForURL(/\/dbt\/dbtp_/);

    // Models of the latest manifest with their run_results status and timing.
    const nodes = page.getByRole("table", { name: "dbt nodes" });
    const customersRow = nodes.getByRole("row").filter({ has: page.getByRole("link", { name: "customers", exact: true }) });
    await expect.poll(() => customersRow.count()).toBe(1);
    expect(await customersRow.getByText("Success").count()).toBe(1);
    expect(await customersRow.getByText("2.4 s").count()).toBe(1);
    expect(await nodes.getByText("stg_payments", { exact: true }).count()).toBe(1);
    // Tests are another resource type; their status is pass.
    await page.getByRole("combobox", { name: "Type" }).selectOption("test");
    await expect.poll(() => nodes.getByText("unique_customers_customer_id", { exact: true }).count()).toBe(1);
    expect(await nodes.getByText("Pass").count()).toBeGreaterThan(10);
    expect(await nodes.getByText("customers", { exact: true }).count()).toBe(0);
    await page.getByRole("combobox", { name: "Type" }).selectOption("model");
    await page.getByRole("searchbox").fill("stg_");
    await expect.poll(() => nodes.getByRole("row").count()).toBe(4); // header + stg_customers, stg_orders, stg_payments
    const uploads = page.getByRole("table", { name: "Uploads" });
    await expect.poll(() => uploads.getByText("41 success · 20 pass").count()).toBe(1);
    await page.getByRole("searchbox").fill("");
    await expect.poll(() => customersRow.count()).toBe(1);
    await screenshot(page, "dbt-project");

    // The model's dataset page.
    await customersRow.getByRole("link", { name: "customers", exact: true }).click();
    await page.waitForURL(/\/datasets\/ds_/);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe(customers.name);
    // Dataset and dbt pages belong to the Lineage section of the left navigation.
    expect(await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Lineage" }).getAttribute("aria-current")).toBe("page");
    const schema = page.getByRole("table", { name: "Schema" });
    await expect.poll(() => schema.getByText("first_name").count()).toBe(1);
    expect(await schema.getByText("postcode").count()).toBe(1);
    expect(await schema.getByText("Primary key").count()).toBe(1);

    const quality = page.getByRole("table", { name: "Quality results" });
    const nullCheck = quality.getByRole("row").filter({ hasText: "expect_column_values_to_not_be_null" });
    await expect.poll(() => nullCheck.count()).toBe(1);
    expect(await nullCheck.getByText("Fail").count()).toBe(1);
    expect(await nullCheck.getByText("OpenLineage").count()).toBe(1);
    expect(await quality.getByRole("row").filter({ hasText: "expect_table_row_count_to_be_between" }).getByText("min_value=1").count()).toBe(1);
    const dbtTest = quality.getByRole("row").filter({ hasText: "unique_customers_customer_id" });
    expect(await dbtTest.getByText("Pass").count()).toBe(1);
    expect(await dbtTest.getByText("dbt", { exact: true }).count()).toBe(1);

    const runs = page.getByRole("table", { name: "Runs" });
    await expect.poll(() => runs.getByText("ge_validation").count()).toBe(1);
    expect(await runs.getByRole("row").filter({ hasText: "wrote" }).count()).toBeGreaterThan(0);
    expect(await runs.getByRole("row").filter({ hasText: "ge_validation" }).getByText("read").count()).toBe(1);

    const events = page.getByRole("table", { name: "Raw events" });
    await expect.poll(() => events.getByRole("row").count()).toBe(3);
    const complete = events.getByRole("row").filter({ hasText: "COMPLETE" });
    expect(await complete.getByText(producer).count()).toBe(1);
    await complete.getByRole("button", { name: "View JSON" }).click();
    const dialog = page.getByRole("dialog");
    const json = dialog.getByLabel("Event JSON");
    await expect.poll(async () => JSON.parse((await json.textContent()) ?? "null")?.run?.runId).toBe(runId);
    expect(await json.textContent()).toContain("expect_column_values_to_not_be_null");
    // The dialog alone: a full-page shot would show the backdrop over the viewport only.
    await dialog.screenshot({ path: artifactPath("dataset-raw-event", "png") });
    await dialog.getByRole("button", { name: "Close" }).click();
    await expect.poll(() => dialog.count()).toBe(0);

    // Expected freshness, set by an admin of the tenant and shown in words.
    const freshness = page.locator("section", { has: page.getByRole("heading", { name: "Freshness", exact: true }) });
    await freshness.getByRole("button", { name: "Set" }).click();
    await page.getByLabel("Fresh by (cron)").fill("0 7 * * 1-5");
    await page.getByLabel("Time zone").fill("Europe/London");
    await page.getByLabel("Maximum age").fill("1d");
    await freshness.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => freshness.getByText("Updated by 07:00 on weekdays (Europe/London), at most 24 hours old at each deadline.").count()).toBe(1);
    const state = await page.request.get(page.url().replace(/.*\/datasets\//, "/api/v1/datasets/"));
    expect((await state.json()).freshness.policy).toEqual({ cron: "0 7 * * 1-5", timezone: "Europe/London", max_age_seconds: 86400 });
    await screenshot(page, "dataset-page");

    // Round trip through the lineage explorer's details panel.
    await page.getByRole("link", { name: "Open in lineage explorer" }).click();
    await page.waitForURL(/\/lineage\?node=ds_/);
    const details = page.locator("[data-details]");
    await expect.poll(() => details.getByRole("heading").textContent()).toBe(customers.name);
    await details.getByRole("link", { name: "Open dataset page" }).click();
    await page.waitForURL(/\/datasets\/ds_/);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe(customers.name);
    expect(b.pageErrors).toEqual([]);
  });
});
