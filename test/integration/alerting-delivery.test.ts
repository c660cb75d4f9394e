import { describe, expect, it } from "vitest";
import { api, expectError, signup } from "../helpers/api";
import {
  alertDetail,
  budgetSignal,
  configureEndpoint,
  listAlerts,
  newSigningSecret,
  planSlackHook,
  receiverState,
  sendNotify,
  slackChannel,
  slackHook,
  slackPosts,
  webhookChannel,
  webhookEndpoint,
} from "../helpers/alerting";
import { firstTeamId } from "../helpers/fixtures";
import { pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";
import { drain } from "../helpers/wait";

async function tenantWithTeam() {
  const s = await signup();
  return { s, teamId: await firstTeamId(s) };
}

/** Raises one alert for the team (a budget crossing is the shortest path from signal to alert) and returns it. */
async function raiseAlert(s: Awaited<ReturnType<typeof signup>>, teamId: string, period = "2026-11") {
  await sendNotify(budgetSignal(s.tenant.id, teamId, 80, period, 812.5));
  await drain();
  const alert = (await listAlerts(s, `kind=budget_threshold`)).find((x) => x.dedupe_key.endsWith(`${period}:80`));
  expect(alert).toBeDefined();
  return alert;
}

describe("alert delivery: signed webhooks, Slack, retries and the dead-letter view", () => {
  it("the receiver verifies the Standard Webhooks signature of every delivery, and rejects a wrong secret", async () => {
    const { s, teamId } = await tenantWithTeam();
    const endpoint = await webhookEndpoint();
    const channel = await webhookChannel(s, teamId, endpoint);

    const test = await api(`/alert-channels/${channel.id}/test`, { as: s, method: "POST" });
    expect(test.status).toBe(200);
    expect(test.json).toMatchObject({ ok: true, status: "sent" });
    const afterTest = await receiverState(endpoint.name);
    expect(afterTest.attempts).toHaveLength(1);
    expect(afterTest.attempts[0]).toMatchObject({ verified: true, status: 204 });
    expect(afterTest.accepted[0].body).toMatchObject({ type: "alert.test", data: { recipient: { role: "owner" } } });

    const alert = await raiseAlert(s, teamId);
    const state = await receiverState(endpoint.name);
    expect(state.accepted).toHaveLength(2);
    const delivered = state.accepted[1];
    expect(state.attempts.every((a) => a.verified)).toBe(true);
    expect(delivered.body).toMatchObject({
      type: "alert.opened",
      data: {
        alert: { id: alert.id, kind: "budget_threshold", severity: "warning", status: "open", owner_team: { id: teamId } },
        recipient: { role: "owner" },
      },
    });
    // webhook-id is the delivery id the API shows, so receivers can deduplicate on it.
    const detail = await alertDetail(s, alert.id);
    expect(detail.deliveries).toEqual([expect.objectContaining({ id: delivered.id, status: "sent", attempts: 1, transition: "opened" })]);
    expect(delivered.body.data.delivery_id).toBe(delivered.id);

    // The same channel, but the receiver now expects another secret: the signature no longer verifies.
    await configureEndpoint(endpoint.name, { secret: newSigningSecret() });
    const wrong = await api(`/alert-channels/${channel.id}/test`, { as: s, method: "POST" });
    expect(wrong.json).toMatchObject({ ok: false, status: "failed", http_status: 401 });
    const last = (await receiverState(endpoint.name)).attempts.at(-1)!;
    expect(last).toMatchObject({ verified: false, reason: "signature mismatch", status: 401 });
  });

  it("a signal the queue delivers twice changes the alert once and notifies once", async () => {
    const { s, team } = await setupTenant();
    const endpoint = await webhookEndpoint();
    await webhookChannel(s, team.id, endpoint);
    await pushPipeline(s, { name: "twice", team: team.slug, tasks: [toolTask("load")] });
    const pipelineId = (await api("/pipelines/twice", { as: s })).json.id as string;
    const failed = (runId: string, at: number) => ({
      type: "engine.run_finished" as const,
      tenantId: s.tenant.id,
      runId,
      pipelineId,
      pipelineName: "twice",
      teamId: team.id,
      status: "failed",
      reason: "task load failed",
      environment: "prod",
      triggerKind: "cron",
      failedTasks: [{ key: "load", status: "failed", attempt: 1, error: { kind: "tool_failure", message: "HTTP 500" } }],
      at,
    });
    const now = Date.now();
    await sendNotify(failed("run_a", now));
    await sendNotify(failed("run_a", now));
    await drain();
    const [alert, ...others] = await listAlerts(s, "pipeline=twice");
    expect(others).toEqual([]);
    expect(alert).toMatchObject({ run_id: "run_a", occurrences: 1 });
    const state = await receiverState(endpoint.name);
    expect(state.attempts).toHaveLength(1);
    expect(state.accepted).toHaveLength(1);
    // A later failure is counted: the duplicate was recognised as the same signal, not lost.
    await sendNotify(failed("run_b", now + 1));
    await drain();
    expect(await listAlerts(s, "pipeline=twice")).toEqual([expect.objectContaining({ id: alert.id, run_id: "run_b", occurrences: 2 })]);
  });

  it("a receiver down for 3 attempts, then up, gets the message exactly once", async () => {
    const { s, teamId } = await tenantWithTeam();
    const endpoint = await webhookEndpoint({ failTimes: 3 });
    await webhookChannel(s, teamId, endpoint);
    const alert = await raiseAlert(s, teamId);

    const state = await receiverState(endpoint.name);
    expect(state.accepted).toHaveLength(1);
    expect(state.attempts.map((a) => a.status)).toEqual([503, 503, 503, 204]);
    // Every attempt carried the same webhook-id and a valid signature with its own timestamp.
    expect(new Set(state.attempts.map((a) => a.id)).size).toBe(1);
    expect(state.attempts.every((a) => a.verified)).toBe(true);
    const detail = await alertDetail(s, alert.id);
    expect(detail.deliveries).toEqual([expect.objectContaining({ status: "sent", attempts: 4, last_error: null })]);
    expect(detail.timeline.map((e: { type: string }) => e.type)).toEqual(["opened", "notified"]);
    expect((await receiverState(endpoint.name)).attempts).toHaveLength(4);
  });

  it("a permanently failing receiver lands in the dead-letter view, and a redelivery reaches it once it is back", async () => {
    const { s, teamId } = await tenantWithTeam();
    const endpoint = await webhookEndpoint({ alwaysFail: true });
    const channel = await webhookChannel(s, teamId, endpoint);
    const alert = await raiseAlert(s, teamId);

    const detail = await alertDetail(s, alert.id);
    expect(detail.deliveries).toEqual([expect.objectContaining({ status: "dead", attempts: 6, last_status_code: 503 })]);
    expect(detail.timeline.at(-1)).toMatchObject({ type: "delivery_failed" });
    expect((await receiverState(endpoint.name)).attempts).toHaveLength(6);

    const view = await api("/dead-letters?queue=notify", { as: s });
    expect(view.status).toBe(200);
    expect(view.json.items).toHaveLength(1);
    const entry = view.json.items[0];
    expect(entry).toMatchObject({
      queue: "notify",
      message_type: "alert.deliver",
      attempts: 6,
      redelivered_at: null,
      team_id: teamId,
      alert: { id: alert.id },
      channel: { id: channel.id, kind: "webhook" },
      redeliverable: true,
    });
    expect(entry.last_error).toContain("503");

    await configureEndpoint(endpoint.name, { secret: endpoint.secret });
    const redelivered = await api(`/dead-letters/${entry.id}/redeliver`, { as: s, method: "POST" });
    expect(redelivered.status).toBe(200);
    expect(redelivered.json.redelivered_at).not.toBeNull();
    await drain();
    const state = await receiverState(endpoint.name);
    expect(state.accepted.map((a) => a.id)).toEqual([detail.deliveries[0].id]);
    expect((await alertDetail(s, alert.id)).deliveries).toEqual([expect.objectContaining({ status: "sent" })]);
    expectError(await api(`/dead-letters/${entry.id}/redeliver`, { as: s, method: "POST" }), 409, "conflict");

    // Another tenant sees none of it.
    const other = await signup();
    expect((await api("/dead-letters", { as: other })).json.items).toEqual([]);
    expectError(await api(`/dead-letters/${entry.id}/redeliver`, { as: other, method: "POST" }), 404, "not_found");
  });

  it("Slack gets Block Kit with the alert, and a channel Slack says is gone is disabled", async () => {
    const { s, teamId } = await tenantWithTeam();
    const hook = slackHook();
    const channel = await slackChannel(s, teamId, hook.url);
    await raiseAlert(s, teamId, "2026-10");
    const posts = await slackPosts(hook.path);
    expect(posts).toHaveLength(1);
    const [post] = posts;
    expect(post.status).toBe(200);
    expect(post.body.text).toContain("reached 80% of its 2026-10 budget");
    expect(post.body.blocks[0]).toMatchObject({ type: "header" });
    expect(JSON.stringify(post.body.blocks)).toContain("812.5 USD of its 1,000 USD budget");

    await planSlackHook(hook.path, { status: 404, body: "channel_not_found" });
    const second = await raiseAlert(s, teamId, "2026-09");
    const detail = await alertDetail(s, second.id);
    expect(detail.deliveries).toEqual([expect.objectContaining({ status: "dead" })]);
    expect(detail.deliveries[0].last_error).toContain("channel_not_found");
    const channels = await api(`/alert-channels?team_id=${teamId}`, { as: s });
    expect(channels.json.items.find((c: { id: string }) => c.id === channel.id)).toMatchObject({
      enabled: false,
      disabled_reason: expect.stringContaining("channel_not_found"),
    });
    // The secret URL never appears in what the API returns.
    expect(JSON.stringify(channels.json) + JSON.stringify(detail)).not.toContain(hook.path);
  });

  it("an e-mail channel on a deployment without the send_email binding records the delivery as skipped, never as sent", async () => {
    const { s, teamId } = await tenantWithTeam();
    const created = await api("/alert-channels", { as: s, body: { team_id: teamId, name: "oncall-mail", kind: "email", recipients: ["oncall@example.com"] } });
    expect(created.status).toBe(201);
    expect((await api(`/alert-channels?team_id=${teamId}`, { as: s })).json.email_available).toBe(false);
    const alert = await raiseAlert(s, teamId);
    const detail = await alertDetail(s, alert.id);
    expect(detail.deliveries).toEqual([expect.objectContaining({ status: "skipped", sent_at: null })]);
    expect(detail.timeline.at(-1).message).toContain("e-mail is not configured");
    const test = await api(`/alert-channels/${created.json.id}/test`, { as: s, method: "POST" });
    expect(test.json).toMatchObject({ ok: false, status: "skipped" });
  });
});
