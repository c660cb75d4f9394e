import type { Request } from "playwright-core";
import { describe, expect, it } from "vitest";
import { screenshot, useBrowser } from "./helpers/browser";
import { postJson, setUp, toolTask, useToolFake } from "./helpers/tool-pipelines";

describe("pipelines and runs in the dashboard", () => {
  const b = useBrowser();
  const fake = useToolFake();

  it("runs a pipeline from Run now and watches the Gantt reach success live, then shows the DAG", async () => {
    const { page, context } = b;
    const { team, push } = await setUp(context, fake.tool.url);
    const spec = {
      name: "daily_revenue",
      team: team.slug,
      description: "Revenue marts for finance dashboards",
      schedule: { cron: "30 6 * * 1-5", timezone: "Europe/London" },
      params: { full_refresh: false, region: "eu" },
      tasks: [toolTask("extract", []), toolTask("transform", ["extract"], 4), toolTask("publish", ["transform"])],
    };
    await push(spec);

    // The list: schedule in words, next run, no runs yet.
    await page.goto("/pipelines");
    const table = page.getByRole("table", { name: "Pipelines" });
    await expect.poll(() => table.innerText()).toContain("daily_revenue");
    const listText = await table.innerText();
    expect(listText).toContain("At 06:30, Monday through Friday");
    expect(listText).toContain("Europe/London");
    expect(listText).toContain("No runs yet");
    await screenshot(page, "pipelines-01-list");

    // Run now from the pipeline page, with the spec's params prefilled.
    await page.getByRole("link", { name: "daily_revenue" }).click();
    await page.getByRole("heading", { name: "daily_revenue" }).waitFor();
    await page.getByRole("button", { name: "Run now" }).click();
    const dialog = page.getByRole("dialog");
    expect(await dialog.getByLabel("region").inputValue()).toBe("eu");
    await dialog.getByLabel("region").fill("us");
    await dialog.getByRole("button", { name: "Start run" }).click();
    await page.waitForURL(/\/runs\/run_/);
    const runId = page.url().split("/runs/")[1];

    // From here on the page must update by itself: a reload would lose this marker.
    await page.evaluate(() => ((globalThis as unknown as { stayedOnPage: boolean }).stayedOnPage = true));
    const gantt = page.getByRole("figure", { name: "Task timeline" });
    await gantt.waitFor();
    // The run is still going when the page opens (transform polls the tool four times, a second apart).
    await expect.poll(() => page.locator(".live").count()).toBe(1);
    await expect.poll(() => gantt.locator(".bar.open").count()).toBeGreaterThan(0);
    await screenshot(page, "pipelines-02-run-live");
    // Bars appear as attempts start, and all three end as successes without a reload.
    await expect.poll(() => gantt.locator('.bar[data-status="succeeded"]').count(), { timeout: 60_000 }).toBe(3);
    for (const task of ["extract", "transform", "publish"]) {
      expect(await gantt.locator(`[data-task="${task}"] .bar`).count()).toBe(1);
    }
    const summary = page.getByRole("region", { name: "Run summary" });
    await expect.poll(() => summary.innerText()).toContain("Succeeded");
    expect(await page.evaluate(() => (globalThis as unknown as { stayedOnPage?: boolean }).stayedOnPage)).toBe(true);
    // The live indicator goes away once the run has ended.
    await expect.poll(() => page.locator(".live").count()).toBe(0);

    // The event log followed along, and links lead to the tool's own run page.
    const events = page.getByRole("table", { name: "Run events" });
    await expect.poll(() => events.innerText()).toContain("publish");
    expect(await events.innerText()).toMatch(/Running\s*→\s*Succeeded/);
    const toolLinks = page.getByRole("link", { name: /Open in tool/ });
    expect(await toolLinks.count()).toBe(3);
    expect(await toolLinks.first().getAttribute("href")).toMatch(new RegExp(`^${fake.tool.url}/ui/jobs/job_\\d+$`));
    // The run has the changed param on top of the spec's defaults.
    expect(await summary.innerText()).toContain("Params (2)");
    const run = await (await context.request.get(`/api/v1/runs/${runId}`)).json();
    expect(run).toMatchObject({ status: "succeeded", trigger: { kind: "manual" }, params: { full_refresh: false, region: "us" } });
    // A finished run offers Run again, not Cancel or Retry.
    expect(await page.getByRole("button", { name: "Run again" }).count()).toBe(1);
    expect(await page.getByRole("button", { name: "Cancel run" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Retry from failure" }).count()).toBe(0);
    await screenshot(page, "pipelines-03-run-succeeded");

    // Back on the pipeline page (its runs first, where the run is listed), then the DAG, coloured by the latest run.
    await page.getByRole("link", { name: "daily_revenue" }).first().click();
    await page.getByRole("heading", { name: "daily_revenue" }).waitFor();
    await expect.poll(() => page.getByRole("table", { name: "Runs" }).innerText()).toContain(runId);
    await page.getByRole("tab", { name: "Graph" }).click();
    const graph = page.getByRole("figure", { name: /Pipeline graph/ });
    await graph.waitFor();
    await expect.poll(() => graph.locator('[data-task][data-status="succeeded"]').count()).toBe(3);
    expect(await graph.locator("[data-edge]").count()).toBe(2);
    expect(await page.getByRole("list", { name: "Graph legend" }).innerText()).toContain("Succeeded");
    // Laid out left to right in dependency order.
    const xOf = async (task: string) => (await graph.locator(`[data-task="${task}"]`).boundingBox())!.x;
    const [x1, x2, x3] = [await xOf("extract"), await xOf("transform"), await xOf("publish")];
    expect(x1).toBeLessThan(x2);
    expect(x2).toBeLessThan(x3);
    await screenshot(page, "pipelines-04-pipeline-dag");

    // The runs list shows the run; the pipelines list shows it as a green dot.
    await page.goto("/runs");
    const runs = page.getByRole("table", { name: "Runs" });
    await expect.poll(() => runs.innerText()).toContain(runId);
    await page.goto("/pipelines");
    await expect.poll(() => page.getByRole("list", { name: "Latest runs" }).getByRole("link").count()).toBe(1);
    expect(await page.getByRole("list", { name: "Latest runs" }).getByRole("link").getAttribute("href")).toBe(`/runs/${runId}`);
    await screenshot(page, "pipelines-05-list-with-run");

    expect(b.pageErrors).toEqual([]);
  });

  it("leaving a live run's page ends its long poll at once instead of leaving it open at the server", async () => {
    const { page, context } = b;
    const { team, push, csrf } = await setUp(context, fake.tool.url);
    await push({ name: "long_wait", team: team.slug, tasks: [toolTask("wait", [], 1000)] });
    const run = await postJson(context.request, csrf, "/api/v1/pipelines/long_wait/runs", {});
    // The page's event long polls (`?wait=`) in flight, and how those that did not finish ended.
    const inFlight = new Set<Request>();
    const aborted: string[] = [];
    page.on("request", (r) => r.url().includes("wait=") && inFlight.add(r));
    page.on("requestfinished", (r) => inFlight.delete(r));
    page.on("requestfailed", (r) => inFlight.delete(r) && aborted.push(r.failure()?.errorText ?? ""));
    // The server answers a long poll early whenever the run records an event, which on a loaded machine can happen
    // right as the test navigates away. Held here, the poll can only end by the page cancelling it; that the server
    // stops work for a client that went away is the Worker's own test (test/unit/long-poll.test.ts).
    await page.route(
      (url) => url.search.includes("wait="),
      () => undefined,
    );
    await page.goto(`/runs/${run.id}`);
    await expect.poll(() => page.locator(".live").count()).toBe(1);
    // Held by the route above, the poll stays open until something ends it.
    await expect.poll(() => inFlight.size).toBe(1);
    // A link inside the app: the page component goes away, the document stays.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Pipelines" }).click();
    await page.waitForURL("**/pipelines");
    await expect.poll(() => aborted).toEqual(["net::ERR_ABORTED"]);
    expect(inFlight.size).toBe(0);
    await postJson(context.request, csrf, `/api/v1/runs/${run.id}/cancel`, {});
  });

  it("shows retries, tool errors and skipped tasks, retries from failure, pauses, and diffs spec versions", async () => {
    const { page, context } = b;
    const { team, push } = await setUp(context, fake.tool.url);
    const spec = {
      name: "ledger_checks",
      team: team.slug,
      description: "Nightly ledger reconciliation",
      schedule: { cron: "0 2 * * *", timezone: "America/New_York" },
      tasks: [
        // The tool answers 500 once, then accepts: attempt 1 fails, attempt 2 succeeds.
        toolTask("load", [], 0, { fail_times: 1 }, { retries: { max: 2, backoff: "fixed", delay: "1s", jitter: false } }),
        toolTask("check", ["load"], 1, { outcome: "failed", message: "row count dropped 40% since yesterday" }),
        toolTask("notify", ["check"]),
      ],
    };
    await push(spec);
    // A second version, so the spec view has something to compare.
    await push({ ...spec, tasks: spec.tasks.map((t) => (t.id === "notify" ? { ...t, timeout: "5m" } : t)) });

    await page.goto("/pipelines/ledger_checks");
    await page.getByRole("button", { name: "Run now" }).click();
    await page.getByRole("dialog").getByText("This pipeline has no parameters.").waitFor();
    await page.getByRole("dialog").getByRole("button", { name: "Start run" }).click();
    await page.waitForURL(/\/runs\/run_/);

    const summary = page.getByRole("region", { name: "Run summary" });
    await expect.poll(() => summary.innerText(), { timeout: 60_000 }).toContain("Failed");
    const gantt = page.getByRole("figure", { name: "Task timeline" });
    // The failed first attempt of load is drawn beside the one that succeeded, hatched.
    await expect.poll(() => gantt.locator('[data-task="load"] .bar').count()).toBe(2);
    expect(await gantt.locator('[data-task="load"] .bar.superseded[data-status="failed"]').count()).toBe(1);
    expect(await gantt.locator('[data-task="check"] .bar[data-status="failed"]').count()).toBe(1);
    expect(await gantt.locator('[data-task="notify"]').innerText()).toContain("Skipped");
    expect(await page.locator('li.task[data-task="check"]').innerText()).toContain("row count dropped 40% since yesterday");
    expect(await page.locator('li.task[data-task="notify"]').innerText()).toContain("upstream check failed");
    expect(await page.getByRole("table", { name: "Earlier attempts of load" }).innerText()).toContain("HTTP 500");
    await screenshot(page, "pipelines-06-run-failed");

    // Retry from failure re-runs check (which fails again at the tool) and keeps load's success.
    await page.getByRole("button", { name: "Retry from failure" }).click();
    await expect.poll(() => gantt.locator('[data-task="check"] .bar').count(), { timeout: 60_000 }).toBe(2);
    await expect.poll(() => summary.innerText(), { timeout: 60_000 }).toContain("Failed");
    expect(await summary.innerText()).toContain("attempt 2");
    expect(await gantt.locator('[data-task="load"] .bar').count()).toBe(2);

    // Pause and resume from the pipeline page.
    await page.goto("/pipelines/ledger_checks");
    await page.getByRole("button", { name: "Pause" }).click();
    const facts = page.locator("dl.facts");
    await expect.poll(() => facts.innerText()).toContain("Paused");
    await page.getByRole("button", { name: "Resume" }).click();
    await expect.poll(() => facts.innerText()).not.toContain("Paused");

    // The spec as pushed, and what changed from version 1.
    await page.getByRole("tab", { name: "Spec" }).click();
    const text = page.getByLabel("Spec text of version 2");
    await expect.poll(() => text.innerText()).toContain('"timeout": "5m"');
    await page.getByRole("button", { name: "Changes from v1" }).click();
    const changes = page.getByLabel("Text changes from version 1 to version 2");
    await expect.poll(() => changes.innerText()).toMatch(/\+\s*"timeout": "5m"/);
    expect(await page.getByText(/task\s+notify:\s+timeout_ms/).count()).toBe(1);
    await screenshot(page, "pipelines-07-spec-diff");

    // A backfill over the last three days: one run per nightly slot.
    await page.getByRole("tab", { name: "Backfill" }).click();
    const now = new Date();
    const local = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await page.getByLabel("From").fill(local(new Date(now.getTime() - 3 * 86_400_000 + 3_600_000)));
    await page.getByLabel("To").fill(local(now));
    await page.getByRole("button", { name: "Start backfill" }).click();
    const result = page.getByRole("status").filter({ hasText: "queued" });
    await expect.poll(() => result.innerText()).toMatch(/\d runs queued, 2 at a time/);
    // Two or three nightly slots fit in just under three days, depending on the hour and DST.
    const queued = Number(/(\d) runs queued/.exec(await result.innerText())![1]);
    expect(queued).toBeGreaterThanOrEqual(2);
    await screenshot(page, "pipelines-08-backfill");
    const backfillRuns = await (await context.request.get("/api/v1/runs?pipeline=ledger_checks&trigger=backfill")).json();
    expect(backfillRuns.items).toHaveLength(queued);

    // Cancel from the run page stops a run that is still going.
    await push({ name: "slow_sync", team: team.slug, tasks: [toolTask("wait", [], 1000)] });
    await page.goto("/pipelines/slow_sync");
    await page.getByRole("button", { name: "Run now" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Start run" }).click();
    await page.waitForURL(/\/runs\/run_/);
    await expect.poll(() => page.locator('[data-task="wait"] .bar.open').count()).toBe(1);
    await page.getByRole("button", { name: "Cancel run" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Cancel run" }).click();
    await expect.poll(() => summary.innerText()).toContain("Cancelled");
    expect(await page.getByRole("button", { name: "Retry from failure" }).count()).toBe(1);

    // The runs list filters by status through the URL.
    await page.goto("/runs?status=succeeded");
    await page.getByRole("heading", { name: "No runs match these filters" }).waitFor();
    await page.goto("/runs?status=failed&pipeline=ledger_checks");
    await expect.poll(() => page.getByRole("table", { name: "Runs" }).innerText()).toContain("ledger_checks");
    await screenshot(page, "pipelines-09-runs-filtered");

    expect(b.pageErrors).toEqual([]);
  });
  it("shows a pipeline's webhook URL, makes its secret once, and which of its trigger datasets have updated", async () => {
    const { page, context } = b;
    const { team, push, csrf } = await setUp(context, fake.tool.url);
    const complete = (name: string, at: number) => ({
      eventType: "COMPLETE",
      eventTime: new Date(at).toISOString(),
      producer: "https://example.com/e2e",
      schemaURL: "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
      run: { runId: crypto.randomUUID() },
      job: { namespace: "airflow", name: "load" },
      inputs: [],
      outputs: [{ namespace: "snowflake://acme", name }],
    });
    await postJson(context.request, csrf, "/api/v1/lineage/batch", [
      complete("RAW.ORDERS", Date.now() - 48 * 3_600_000),
      complete("RAW.PAYMENTS", Date.now() - 48 * 3_600_000),
    ]);
    await push({
      name: "orders_mart",
      team: team.slug,
      triggers: [
        { webhook: {} },
        {
          datasets: [
            { namespace: "snowflake://acme", name: "RAW.ORDERS" },
            { namespace: "snowflake://acme", name: "RAW.PAYMENTS" },
          ],
          mode: "all",
          within: "6h",
        },
      ],
      tasks: [toolTask("build", [])],
    });
    // One of the two datasets is written again: the trigger waits for the other.
    await postJson(context.request, csrf, "/api/v1/lineage/batch", [complete("RAW.ORDERS", Date.now() - 60_000)]);

    await page.goto("/pipelines/orders_mart");
    const webhook = page.getByRole("region", { name: "Webhook trigger" });
    await webhook.waitFor();
    expect(await page.getByLabel("Webhook URL", { exact: true }).inputValue()).toMatch(/\/webhooks\/pipelines\/pl_[0-9a-z]{20}$/);
    expect(await webhook.innerText()).toContain("No signing secret yet");
    await page.getByRole("button", { name: "Create secret" }).click();
    expect(await page.getByLabel("Signing secret", { exact: true }).inputValue()).toMatch(/^whsec_/);
    await page.getByRole("button", { name: "Rotate secret" }).waitFor();

    // The dataset trigger's state arrives through the notify queue: reload until it shows.
    await expect
      .poll(async () => {
        await page.reload();
        return page.getByRole("region", { name: "Dataset trigger 2" }).innerText();
      })
      .toMatch(/RAW\.ORDERS[\s\S]*Updated[\s\S]*RAW\.PAYMENTS[\s\S]*Waiting/);
    expect(await page.getByRole("region", { name: "Dataset trigger 2" }).innerText()).toContain("When all of these are updated within 6 h");
    // The secret is not shown again after leaving the page.
    expect(await page.getByLabel("Signing secret", { exact: true }).count()).toBe(0);
    await screenshot(page, "pipelines-triggers");
  });
});
