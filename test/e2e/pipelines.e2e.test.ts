import type { APIRequestContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHttpToolFake, type HttpToolFake } from "../fakes/http-tool/server";
import { signupViaApi } from "./helpers/accounts";
import { screenshot, useBrowser } from "./helpers/browser";

const TOOL_TOKEN = "e2e-fake-tool-token";

/** Writes through the session cookie need the CSRF token the sign-up returned. */
async function postJson(request: APIRequestContext, csrf: string, path: string, data: unknown) {
  const res = await request.post(path, { data, headers: { "x-csrf-token": csrf } });
  if (res.status() >= 300) throw new Error(`${path}: ${res.status()} ${await res.text()}`);
  return res.json();
}

/** A task on the fake tool; `polls` > 0 makes it report "running" that many times before succeeding. */
function toolTask(id: string, dependsOn: string[], polls = 0) {
  return {
    id,
    connector: "http",
    connection: "tool",
    depends_on: dependsOn,
    ...(polls ? { poll_interval: "1s" } : {}),
    with: {
      url: "/jobs",
      body: { key: `{{run_id}}-${id}`, polls },
      external_id_path: "$.id",
      external_url_path: "$.url",
      ...(polls
        ? { completion: { mode: "poll", status_url: "/jobs/{{external_id}}", success: { path: "$.status", equals: "succeeded" }, failure: { path: "$.status", in: ["failed", "cancelled"] } } }
        : {}),
    },
  };
}

describe("pipelines and runs in the dashboard", () => {
  const b = useBrowser();
  let tool: HttpToolFake;

  beforeAll(async () => {
    // wrangler dev runs on this machine, so the Worker reaches the fake on 127.0.0.1.
    tool = await startHttpToolFake({ token: TOOL_TOKEN });
  });
  afterAll(async () => {
    await tool?.close();
  });

  it("runs a pipeline from Run now and watches the Gantt reach success live, then shows the DAG", async () => {
    const { page, context } = b;
    const { session } = await signupViaApi(context);
    const me = await (await context.request.get("/api/v1/me")).json();
    const team = me.teams[0] as { id: string; slug: string };
    await postJson(context.request, session.csrf_token, "/api/v1/connections", {
      team_id: team.id,
      name: "tool",
      kind: "http",
      config: { base_url: tool.url },
      secrets: { bearer_token: TOOL_TOKEN },
    });
    const spec = {
      name: "daily_revenue",
      team: team.slug,
      description: "Revenue marts for finance dashboards",
      schedule: { cron: "30 6 * * 1-5", timezone: "Europe/London" },
      params: { full_refresh: false, region: "eu" },
      tasks: [toolTask("extract", []), toolTask("transform", ["extract"], 4), toolTask("publish", ["transform"])],
    };
    await postJson(context.request, session.csrf_token, "/api/v1/pipelines", { spec_text: JSON.stringify(spec, null, 2), format: "json" });

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
    await page.evaluate(() => ((window as unknown as { stayedOnPage: boolean }).stayedOnPage = true));
    const gantt = page.getByRole("figure", { name: "Task timeline" });
    await gantt.waitFor();
    // The run is still going when the page opens (transform polls the tool four times, a second apart).
    await expect.poll(() => page.locator(".live").count()).toBe(1);
    // Bars appear as attempts start, and all three end as successes without a reload.
    await expect.poll(() => gantt.locator('.bar[data-status="succeeded"]').count(), { timeout: 60_000 }).toBe(3);
    for (const task of ["extract", "transform", "publish"]) {
      expect(await gantt.locator(`[data-task="${task}"] .bar`).count()).toBe(1);
    }
    const summary = page.getByRole("region", { name: "Run summary" });
    await expect.poll(() => summary.innerText()).toContain("Succeeded");
    expect(await page.evaluate(() => (window as unknown as { stayedOnPage?: boolean }).stayedOnPage)).toBe(true);
    // The live indicator goes away once the run has ended.
    await expect.poll(() => page.locator(".live").count()).toBe(0);

    // The event log followed along, and links lead to the tool's own run page.
    const events = page.getByRole("table", { name: "Run events" });
    await expect.poll(() => events.innerText()).toContain("publish");
    expect(await events.innerText()).toMatch(/Running\s*→\s*Succeeded/);
    const toolLinks = page.getByRole("link", { name: /Open in tool/ });
    expect(await toolLinks.count()).toBe(3);
    expect(await toolLinks.first().getAttribute("href")).toMatch(new RegExp(`^${tool.url}/ui/jobs/job_\\d+$`));
    // The run has the changed param on top of the spec's defaults.
    expect(await summary.innerText()).toContain("Params (2)");
    const run = await (await context.request.get(`/api/v1/runs/${runId}`)).json();
    expect(run).toMatchObject({ status: "succeeded", trigger: { kind: "manual" }, params: { full_refresh: false, region: "us" } });
    // A finished run offers Run again, not Cancel or Retry.
    expect(await page.getByRole("button", { name: "Run again" }).count()).toBe(1);
    expect(await page.getByRole("button", { name: "Cancel run" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Retry from failure" }).count()).toBe(0);
    await screenshot(page, "pipelines-02-run-succeeded");

    // Back on the pipeline page (its runs first, where the run is listed), then the DAG, coloured by the latest run.
    await page.getByRole("link", { name: "daily_revenue" }).first().click();
    await page.getByRole("heading", { name: "daily_revenue" }).waitFor();
    await expect.poll(() => page.getByRole("table", { name: "Runs" }).innerText()).toContain(runId);
    await page.getByRole("tab", { name: "Graph" }).click();
    const graph = page.getByRole("figure", { name: /Pipeline graph/ });
    await graph.waitFor();
    await expect.poll(() => graph.locator('.svelte-flow__node-task [data-status="succeeded"]').count()).toBe(3);
    expect(await graph.locator(".svelte-flow__edge").count()).toBe(2);
    // Laid out left to right in dependency order.
    const xOf = async (task: string) => (await graph.locator(`[data-task="${task}"]`).boundingBox())!.x;
    const [x1, x2, x3] = [await xOf("extract"), await xOf("transform"), await xOf("publish")];
    expect(x1).toBeLessThan(x2);
    expect(x2).toBeLessThan(x3);
    await screenshot(page, "pipelines-03-pipeline-dag");

    // The runs list shows the run; the pipelines list shows it as a green dot.
    await page.goto("/runs");
    const runs = page.getByRole("table", { name: "Runs" });
    await expect.poll(() => runs.innerText()).toContain(runId);
    await page.goto("/pipelines");
    await expect.poll(() => page.getByRole("list", { name: "Latest runs" }).getByRole("link").count()).toBe(1);
    expect(await page.getByRole("list", { name: "Latest runs" }).getByRole("link").getAttribute("href")).toBe(`/runs/${runId}`);
    await screenshot(page, "pipelines-04-list-with-run");

    expect(b.pageErrors).toEqual([]);
  });
});
