import { randomBytes } from "node:crypto";
import type { APIRequestContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHttpToolFake, type HttpToolFake } from "../fakes/http-tool/server";
import { startWebhookReceiverFake, type WebhookReceiverFake } from "../fakes/standard-webhooks/server";
import { signupViaApi } from "./helpers/accounts";
import { screenshot, useBrowser } from "./helpers/browser";

const TOOL_TOKEN = "e2e-fake-tool-token";

async function postJson(request: APIRequestContext, csrf: string, path: string, data: unknown) {
  const res = await request.post(path, { data, headers: { "x-csrf-token": csrf } });
  if (res.status() >= 300) throw new Error(`${path}: ${res.status()} ${await res.text()}`);
  return res.json();
}

/** A task whose trigger the fake tool refuses with HTTP 500 every time: the run fails at once. */
const refusedTask = (id: string) => ({
  id,
  connector: "http",
  connection: "tool",
  with: { url: "/jobs", body: { key: `e2e-${randomBytes(6).toString("hex")}`, fail_times: 1000 }, external_id_path: "$.id" },
});

describe("alerts in the dashboard", () => {
  const b = useBrowser();
  let tool: HttpToolFake;
  let receiver: WebhookReceiverFake;

  beforeAll(async () => {
    // wrangler dev runs on this machine, so the Worker reaches the fakes on 127.0.0.1.
    tool = await startHttpToolFake({ token: TOOL_TOKEN });
    receiver = await startWebhookReceiverFake();
  });
  afterAll(async () => {
    await tool?.close();
    await receiver?.close();
  });

  it("a failed run raises an alert that is acknowledged and resolved from the dashboard, and its channel hears both", async () => {
    const { page, context } = b;
    const { session } = await signupViaApi(context);
    const csrf = session.csrf_token;
    const me = await (await context.request.get("/api/v1/me")).json();
    const team = me.teams[0] as { id: string; slug: string; name: string };

    // The team's signed webhook channel, verified by the receiver fake.
    const secret = `whsec_${randomBytes(32).toString("base64")}`;
    await fetch(`${receiver.url}/__endpoints/oncall`, { method: "PUT", body: JSON.stringify({ secret }) });
    const hook = await postJson(context.request, csrf, "/api/v1/connections", {
      team_id: team.id,
      name: "oncall-hook",
      kind: "webhook",
      config: { url: `${receiver.url}/hooks/oncall` },
      secrets: { signing_secret: secret },
    });
    await postJson(context.request, csrf, "/api/v1/alert-channels", { team_id: team.id, name: "oncall", kind: "webhook", connection_id: hook.id });
    await postJson(context.request, csrf, "/api/v1/connections", {
      team_id: team.id,
      name: "tool",
      kind: "http",
      config: { base_url: tool.url },
      secrets: { bearer_token: TOOL_TOKEN },
    });
    await postJson(context.request, csrf, "/api/v1/pipelines", {
      spec_text: JSON.stringify({ name: "nightly_orders", team: team.slug, products: ["orders_mart"], tasks: [refusedTask("load_orders")] }),
      format: "json",
    });
    await postJson(context.request, csrf, "/api/v1/pipelines/nightly_orders/runs", {});

    // The run fails at once; the alert is raised by the notify queue consumer moments later.
    await expect
      .poll(async () => ((await (await context.request.get("/api/v1/alerts")).json()) as { items: Array<{ title: string }> }).items.map((a) => a.title), {
        timeout: 60_000,
        interval: 500,
      })
      .toContain("nightly_orders failed");

    // It shows on the Alerts page, with the open count in the navigation.
    await page.goto("/alerts");
    const table = page.getByRole("table", { name: "Alerts" });
    await expect.poll(() => table.innerText()).toContain("nightly_orders failed");
    await expect.poll(() => page.getByRole("navigation", { name: "Main" }).getByLabel("1 open alerts").count()).toBe(1);
    await screenshot(page, "alerting-01-alerts-open");

    await table.getByRole("link", { name: "nightly_orders failed" }).click();
    await page.getByRole("heading", { name: "nightly_orders failed" }).waitFor();
    await expect.poll(() => page.getByRole("table", { name: "Deliveries" }).innerText()).toContain("Sent");
    expect(await page.getByRole("main").innerText()).toContain("orders_mart will be stale because nightly_orders's task load_orders failed");
    await screenshot(page, "alerting-02-alert-detail");

    await page.getByRole("button", { name: "Acknowledge" }).click();
    await expect.poll(() => page.getByRole("list", { name: "Timeline" }).innerText()).toContain(`Acknowledged by ${me.user.email}`);
    await page.getByLabel("Add a note").fill("Vendor API is down; retrying after their fix.");
    await page.getByRole("button", { name: "Add note" }).click();
    await expect.poll(() => page.getByRole("list", { name: "Timeline" }).innerText()).toContain("Vendor API is down");

    await page.getByRole("button", { name: "Resolve", exact: true }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Resolution").fill("Vendor fixed their API; re-ran the load.");
    await dialog.getByRole("button", { name: "Resolve alert" }).click();
    await expect.poll(() => page.locator(".badges").innerText()).toContain("Resolved");
    await expect.poll(() => page.getByRole("table", { name: "Deliveries" }).innerText()).toMatch(/Resolved[\s\S]*Sent/);
    await screenshot(page, "alerting-03-alert-resolved");

    // The channel heard the opening and the resolution, each signed and once.
    const state = (await (await fetch(`${receiver.url}/__endpoints/oncall`)).json()) as {
      attempts: Array<{ verified: boolean }>;
      accepted: Array<{ body: { type: string; data: { alert: { resolution: string | null } } } }>;
    };
    expect(state.accepted.map((a) => a.body.type)).toEqual(["alert.opened", "alert.resolved"]);
    expect(state.accepted[1].body.data.alert.resolution).toBe("Vendor fixed their API; re-ran the load.");
    expect(state.attempts.every((a) => a.verified)).toBe(true);

    // The list moves it to Resolved, and the badge is gone.
    await page.goto("/alerts");
    await expect.poll(() => page.getByRole("main").innerText()).toContain("Nothing is open");
    await page.getByRole("tab", { name: "Resolved" }).click();
    await expect.poll(() => page.getByRole("table", { name: "Alerts" }).innerText()).toContain("nightly_orders failed");
    expect(
      await page
        .getByRole("navigation", { name: "Main" })
        .getByLabel(/open alerts/)
        .count(),
    ).toBe(0);
    await screenshot(page, "alerting-04-alerts-resolved-tab");

    // Team settings list the channel; the Owners page answers who owns the pipeline.
    await page.goto("/settings/alerting");
    await expect.poll(() => page.getByRole("table", { name: "Channels" }).innerText()).toContain("oncall");
    await page.getByRole("button", { name: "Send test" }).click();
    await expect.poll(async () => ((await (await fetch(`${receiver.url}/__endpoints/oncall`)).json()) as { accepted: unknown[] }).accepted.length).toBe(3);
    // A rule: only critical run failures, re-notified after 30 minutes.
    await page.getByRole("button", { name: "New rule" }).click();
    const ruleDialog = page.getByRole("dialog");
    await ruleDialog.getByLabel("Name", { exact: true }).fill("Pager for failures");
    await ruleDialog.getByLabel("Minimum severity").selectOption("critical");
    await ruleDialog.getByLabel("Run failed").check();
    await ruleDialog.getByLabel("oncall").check();
    await ruleDialog.getByLabel("Re-notify after").fill("30m");
    await screenshot(page, "alerting-05-rule-form");
    await ruleDialog.getByRole("button", { name: "Create rule" }).click();
    await expect.poll(() => page.getByRole("table", { name: "Rules" }).innerText()).toContain("Pager for failures");
    expect(await page.getByRole("table", { name: "Rules" }).innerText()).toContain("Re-notify after 30m unacknowledged");
    await screenshot(page, "alerting-06-settings");
    await page.goto(`/owners?id=${encodeURIComponent((await (await context.request.get("/api/v1/owners?type=pipeline")).json()).items[0].id)}`);
    await expect.poll(() => page.getByRole("main").innerText()).toContain(`Owned by ${team.name}`);
    await screenshot(page, "alerting-07-owners");
    expect(b.pageErrors).toEqual([]);
  });
});
