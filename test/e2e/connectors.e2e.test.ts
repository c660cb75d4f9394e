import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DemoClient } from "../../scripts/demo/client";
import { seedConnectorsDemo } from "../../scripts/demo/connectors";
import { fakeCredentials } from "../fakes/credentials";
import { startToolFakes } from "../fakes/tools";
import { signupViaApi } from "./helpers/accounts";
import { screenshot, useBrowser } from "./helpers/browser";
import { postJson } from "./helpers/tool-pipelines";

describe("the Fivetran → dbt Cloud → GitHub Actions pipeline in the dashboard", () => {
  const b = useBrowser();
  let fakes: Awaited<ReturnType<typeof startToolFakes>>;
  beforeAll(async () => {
    // Runs move on by themselves, as on the real tools; the fakes post signed webhooks to the Worker.
    fakes = await startToolFakes({ autoAdvanceMs: 400 });
  });
  afterAll(async () => {
    await fakes?.close();
  });

  it("runs the demo pipeline on the fakes, links each task to the tool's run page, tests connections and shows webhook deliveries", async () => {
    const { page, context, baseUrl } = b;
    const { session } = await signupViaApi(context);
    const cookie = (await context.cookies(baseUrl)).map((c) => `${c.name}=${c.value}`).join("; ");
    const client = DemoClient.fromSession(baseUrl, cookie, session.csrf_token);
    const { run } = await seedConnectorsDemo(client, { tuttiUrl: baseUrl, fakes: fakes.urls });

    await page.goto(`/runs/${run}`);
    await expect.poll(() => page.getByRole("region", { name: "Run summary" }).innerText(), { timeout: 60_000 }).toContain("Succeeded");
    const tasks = page.locator("li.task");
    await expect.poll(() => tasks.count()).toBe(3);
    for (const [key, connector, fake] of [
      ["sync_crm", "fivetran", fakes.urls.fivetran],
      ["build_models", "dbt_cloud", fakes.urls.dbt_cloud],
      ["publish_dashboards", "github_actions", fakes.urls.github_actions],
    ] as const) {
      const row = page.locator(`li.task[data-task="${key}"]`);
      await expect.poll(() => row.innerText()).toContain("Succeeded");
      expect(await row.locator(`[data-connector="${connector}"]`).count()).toBe(1);
      const href = await row.getByRole("link", { name: "Open in tool" }).getAttribute("href");
      expect(href?.startsWith(fake)).toBe(true);
      // The link opens the tool's own page for that run (the fake serves one, as the tool would).
      const toolPage = await fetch(href!);
      expect(toolPage.status).toBe(200);
      expect(await toolPage.text()).toContain("(fake)");
    }
    await screenshot(page, "connectors-run");

    await page.goto("/settings/connections");
    await expect.poll(() => page.getByRole("table", { name: "Connections" }).innerText()).toContain("dbt-cloud");
    await page.getByRole("link", { name: "dbt-cloud" }).click();
    await page.getByRole("button", { name: "Test connection" }).click();
    await expect.poll(() => page.getByRole("status").first().innerText()).toContain("Connection works");
    const webhookUrl = await page.getByRole("textbox", { name: "Webhook URL" }).inputValue();
    expect(webhookUrl).toMatch(new RegExp(`^${baseUrl}/webhooks/dbt_cloud/conn_[a-z0-9]+$`));
    const deliveries = page.getByRole("table", { name: "Recent webhook deliveries" });
    await expect.poll(() => deliveries.innerText()).toContain("job.run.completed");
    expect(await deliveries.innerText()).toContain("build_models");
    await deliveries.getByRole("button", { name: "Payload" }).first().click();
    await expect.poll(() => page.getByRole("dialog").innerText()).toContain('"eventType"');
    await page.getByRole("dialog").getByRole("button", { name: "Close", exact: true }).click();
    await screenshot(page, "connectors-connection");

    // A wrong token: the test says so, with dbt Cloud's own message, and the value stays write-only.
    await page.getByLabel("New api token").fill("dbtc_wrong_token");
    await page.getByRole("button", { name: "Rotate secrets" }).click();
    await expect.poll(() => page.getByLabel("New api token").inputValue()).toBe("");
    await page.getByRole("button", { name: "Test connection" }).click();
    await expect.poll(() => page.getByRole("status").first().innerText()).toContain("The tool refused the connection");
    expect(await page.content()).not.toContain("dbtc_wrong_token");
    expect(b.pageErrors).toEqual([]);
  });

  it("retrying a failed dbt Cloud task reruns it from failure in dbt Cloud, and the run page labels that attempt as the tool's rerun", async () => {
    const { page, context } = b;
    const { session } = await signupViaApi(context);
    const csrf = session.csrf_token;
    const team = ((await (await context.request.get("/api/v1/me")).json()) as { teams: Array<{ id: string; slug: string }> }).teams[0];
    const dbt = fakeCredentials.dbt_cloud;
    await postJson(context.request, csrf, "/api/v1/connections", {
      team_id: team.id,
      name: "dbt",
      kind: "dbt_cloud",
      config: { base_url: fakes.urls.dbt_cloud, account_id: dbt.accountId },
      secrets: { api_token: dbt.api_token },
    });
    const job = 880_000 + Math.floor(Math.random() * 100_000);
    const plan = await fetch(`${fakes.urls.dbt_cloud}/__fake/plans/${job}`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ polls: 1, outcome: "error", rerun_polls: 1, rerun_outcome: "success" }),
    });
    expect(plan.status).toBe(204);
    const spec = {
      name: "nightly_models",
      team: team.slug,
      tasks: [{ id: "build_models", connector: "dbt_cloud", connection: "dbt", with: { job_id: job, collect_artifacts: false }, poll_interval: "1s" }],
    };
    await postJson(context.request, csrf, "/api/v1/pipelines", { spec_text: JSON.stringify(spec), format: "json" });
    const run = (await postJson(context.request, csrf, "/api/v1/pipelines/nightly_models/runs", {})) as { id: string };

    await page.goto(`/runs/${run.id}`);
    const summary = page.getByRole("region", { name: "Run summary" });
    await expect.poll(() => summary.innerText(), { timeout: 60_000 }).toContain("Failed");
    await page.getByRole("button", { name: "Retry from failure" }).click();
    await expect.poll(() => summary.innerText(), { timeout: 60_000 }).toContain("Succeeded");

    const row = page.locator('li.task[data-task="build_models"]');
    await expect.poll(() => row.innerText()).toContain("attempt 2");
    const label = row.locator("[data-retry-kind]");
    expect(await label.innerText()).toBe("rerun of failed");
    expect(await label.getAttribute("title")).toContain("only what failed ran again");
    // The event log says what the retry asked of dbt Cloud.
    await expect.poll(() => page.locator("body").innerText()).toMatch(/reruns the failed parts of tool run \d+ in the tool/);
    await screenshot(page, "run-native-rerun");
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await label.isVisible()).toBe(true);
    const pageWidth = await page.evaluate(
      () => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth,
    );
    expect(pageWidth).toBeLessThanOrEqual(390);
    await screenshot(page, "run-native-rerun-phone");
    expect(b.pageErrors).toEqual([]);
  });
});
