import { describe, expect, it } from "vitest";
import { api, expectError, signup, type Session } from "../helpers/api";
import { alertDetail, budgetSignal, listAlerts, receiverState, sendNotify, webhookChannel, webhookEndpoint } from "../helpers/alerting";
import { advance, engineTimers } from "../helpers/engine";
import { addMember, createTeam, createToken, firstTeamId } from "../helpers/fixtures";
import { pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";
import { drain } from "../helpers/wait";

async function alertFor(s: Session, teamId: string, period = "2026-11", threshold: 80 | 100 = 80) {
  await sendNotify(budgetSignal(s.tenant.id, teamId, threshold, period, 900));
  await drain();
  const alert = (await listAlerts(s, "kind=budget_threshold")).find((x) => x.dedupe_key.endsWith(`${period}:${threshold}`));
  expect(alert).toBeDefined();
  return alert;
}

describe("alerts API: lifecycle, permissions and isolation", () => {
  it("acknowledge, assign, note and resolve, each on the timeline and in the audit log", async () => {
    const s = await signup();
    const teamId = await firstTeamId(s);
    const endpoint = await webhookEndpoint();
    await webhookChannel(s, teamId, endpoint);
    const alert = await alertFor(s, teamId);
    expect((await receiverState(endpoint.name)).accepted).toHaveLength(1);

    const acked = await api(`/alerts/${alert.id}/acknowledge`, { as: s, method: "POST" });
    expect(acked.status).toBe(200);
    expect(acked.json).toMatchObject({ status: "acknowledged", acknowledged_by: s.user.email });
    expectError(await api(`/alerts/${alert.id}/acknowledge`, { as: s, method: "POST" }), 409, "conflict");
    expect((await api("/alerts/summary", { as: s })).json).toMatchObject({ open: 0, acknowledged: 1 });

    const assigned = await api(`/alerts/${alert.id}/assign`, { as: s, body: { user_id: s.user.id } });
    expect(assigned.json.assignee).toEqual({ id: s.user.id, name: s.user.name, email: s.user.email });
    expectError(await api(`/alerts/${alert.id}/assign`, { as: s, body: { user_id: "usr_nobody" } }), 400, "validation_failed");
    const noted = await api(`/alerts/${alert.id}/notes`, { as: s, body: { text: "Finance approved the overspend." } });
    expect(noted.status).toBe(201);

    const back = await api(`/alerts/${alert.id}/unacknowledge`, { as: s, method: "POST" });
    expect(back.json.status).toBe("open");
    const resolved = await api(`/alerts/${alert.id}/resolve`, { as: s, method: "POST", body: { reason: "Budget raised to 2,000 USD." } });
    expect(resolved.json).toMatchObject({ status: "resolved", resolved_by: s.user.email, resolution: "Budget raised to 2,000 USD." });
    expect(resolved.json.timeline.map((e: { type: string }) => e.type)).toEqual([
      "opened",
      "notified",
      "acknowledged",
      "assigned",
      "note",
      "unacknowledged",
      "resolved",
    ]);
    expectError(await api(`/alerts/${alert.id}/resolve`, { as: s, method: "POST" }), 409, "conflict");

    // The resolution goes to the channel that heard about the opening.
    await drain();
    const state = await receiverState(endpoint.name);
    expect(state.accepted).toHaveLength(2);
    expect(state.accepted[1].body).toMatchObject({ type: "alert.resolved", data: { alert: { resolution: "Budget raised to 2,000 USD." } } });

    const audit = await api(`/audit-log?target_id=${alert.id}`, { as: s });
    expect(audit.json.items.map((e: { action: string }) => e.action).sort()).toEqual([
      "alert.acknowledged",
      "alert.assigned",
      "alert.noted",
      "alert.resolved",
      "alert.unacknowledged",
    ]);
    expect((await listAlerts(s, "status=open,acknowledged")).map((a) => a.id)).not.toContain(alert.id);
    expect((await listAlerts(s, "status=resolved")).map((a) => a.id)).toContain(alert.id);
  });

  it("only teams the alert concerns may act on it; viewers and other tenants cannot", async () => {
    const s = await signup();
    const teamId = await firstTeamId(s);
    const other = await createTeam(s, "Other team");
    const alert = await alertFor(s, teamId);

    const outsider = await addMember(s, "member", { teamId: other.id });
    expect((await api(`/alerts/${alert.id}`, { as: outsider })).status).toBe(200);
    expectError(await api(`/alerts/${alert.id}/acknowledge`, { as: outsider, method: "POST" }), 403, "forbidden");
    const viewer = await addMember(s, "viewer");
    expectError(await api(`/alerts/${alert.id}/resolve`, { as: viewer, method: "POST" }), 403, "forbidden");
    const { token: readOnly } = await createToken(s, teamId, ["read"]);
    expectError(await api(`/alerts/${alert.id}/acknowledge`, { as: readOnly, method: "POST" }), 403, "forbidden");
    const { token: ops } = await createToken(s, teamId, ["read", "runs:write"]);
    expect((await api(`/alerts/${alert.id}/acknowledge`, { as: ops, method: "POST" })).status).toBe(200);

    const stranger = await signup();
    expectError(await api(`/alerts/${alert.id}`, { as: stranger }), 404, "not_found");
    expectError(await api(`/alerts/${alert.id}/resolve`, { as: stranger, method: "POST" }), 404, "not_found");
    expect(await listAlerts(stranger)).toEqual([]);
    expectError(await api(`/alerts/${alert.id}`), 401, "unauthorized");
  });

  it("channels and rules belong to one team and are checked on the way in", async () => {
    const s = await signup();
    const teamId = await firstTeamId(s);
    const other = await createTeam(s, "Elsewhere");
    const endpoint = await webhookEndpoint();
    const channel = await webhookChannel(s, teamId, endpoint, "data-alerts");
    const foreign = await webhookChannel(s, other.id, await webhookEndpoint(), "their-alerts");

    expectError(
      await api("/alert-channels", { as: s, body: { team_id: teamId, name: "data-alerts", kind: "email", recipients: ["a@example.com"] } }),
      409,
      "conflict",
    );
    const wrongKind = await api("/alert-channels", { as: s, body: { team_id: teamId, name: "slacky", kind: "slack", connection_id: channel.connection.id } });
    expectError(wrongKind, 400, "validation_failed");
    expect(wrongKind.json.error.details[0].path).toBe("connection_id");
    expectError(
      await api("/alert-channels", { as: s, body: { team_id: teamId, name: "x", kind: "webhook", connection_id: foreign.connection.id } }),
      400,
      "validation_failed",
    );
    expectError(
      await api("/alert-channels", { as: s, body: { team_id: teamId, name: "mail", kind: "email", recipients: ["not-an-address"] } }),
      400,
      "validation_failed",
    );
    expectError(
      await api("/alert-channels", { as: s, body: { team_id: teamId, name: "bad name!", kind: "email", recipients: ["a@example.com"] } }),
      400,
      "validation_failed",
    );

    const rule = await api("/alert-rules", {
      as: s,
      body: {
        team_id: teamId,
        name: "Critical only at night",
        kinds: ["run_failed", "sla_missed"],
        min_severity: "critical",
        channel_ids: [channel.id],
        quiet_hours: { start: "22:00", end: "07:00", timezone: "Europe/London" },
        escalate_after: "30m",
      },
    });
    expect(rule.status).toBe(201);
    expect(rule.json).toMatchObject({
      enabled: true,
      pipelines: [],
      escalate_after: "30m",
      escalate_after_ms: 1_800_000,
      quiet_hours: { timezone: "Europe/London" },
    });
    const foreignRule = await api("/alert-rules", { as: s, body: { team_id: teamId, name: "theirs", channel_ids: [channel.id, foreign.id] } });
    expectError(foreignRule, 400, "validation_failed");
    expect(foreignRule.json.error.details).toEqual([{ path: "channel_ids[1]", message: "no such channel in this team" }]);
    expectError(
      await api("/alert-rules", { as: s, body: { team_id: teamId, name: "x", channel_ids: [channel.id], escalate_after: "5s" } }),
      400,
      "validation_failed",
    );
    expectError(
      await api("/alert-rules", { as: s, body: { team_id: teamId, name: "x", channel_ids: [channel.id], quiet_hours: { start: "25:00", end: "07:00" } } }),
      400,
      "validation_failed",
    );
    expectError(await api("/alert-rules", { as: s, body: { team_id: teamId, name: "x", channel_ids: [channel.id], surprise: 1 } }), 400, "validation_failed");

    const patched = await api(`/alert-rules/${rule.json.id}`, { as: s, method: "PATCH", body: { enabled: false, escalate_after: null } });
    expect(patched.json).toMatchObject({ enabled: false, escalate_after: null });
    // Deleting a channel takes it out of the rules that used it.
    expect((await api(`/alert-channels/${channel.id}`, { as: s, method: "DELETE" })).status).toBe(204);
    expect((await api(`/alert-rules?team_id=${teamId}`, { as: s })).json.items[0].channel_ids).toEqual([]);

    // Another team's member cannot see or change these.
    const outsider = await addMember(s, "member", { teamId: other.id });
    expectError(await api(`/alert-rules/${rule.json.id}`, { as: outsider, method: "PATCH", body: { enabled: true } }), 404, "not_found");
    expect((await api(`/alert-channels?team_id=${teamId}`, { as: outsider })).json.items).toEqual([]);
    expectError(await api("/alert-rules", { as: outsider, body: { team_id: teamId, name: "sneaky", channel_ids: [foreign.id] } }), 403, "forbidden");
  });

  it("rules decide which channels hear about an alert, and an unacknowledged alert is re-notified until someone acknowledges it", async () => {
    const s = await signup();
    const teamId = await firstTeamId(s);
    const quietEndpoint = await webhookEndpoint();
    const loudEndpoint = await webhookEndpoint();
    const quiet = await webhookChannel(s, teamId, quietEndpoint);
    const loud = await webhookChannel(s, teamId, loudEndpoint);
    // Critical alerts go to the loud channel and escalate there after 30 minutes; the other channel hears nothing.
    await api("/alert-rules", { as: s, body: { team_id: teamId, name: "pager", min_severity: "critical", channel_ids: [loud.id], escalate_after: "30m" } });
    await api("/alert-rules", { as: s, body: { team_id: teamId, name: "pipelines only", kinds: ["run_failed"], channel_ids: [quiet.id] } });

    const alert = await alertFor(s, teamId, "2026-11", 100);
    expect((await receiverState(loudEndpoint.name)).accepted).toHaveLength(1);
    expect((await engineTimers(s.tenant.id)).map((t) => t.key)).toContain(`watch:alert-escalate:${alert.id}`);

    await advance(s.tenant.id, 31 * 60_000);
    await drain();
    const state = await receiverState(loudEndpoint.name);
    expect(state.accepted).toHaveLength(2);
    expect(state.accepted[1].body).toMatchObject({ type: "alert.escalated", data: { escalation_level: 1, alert: { id: alert.id } } });
    expect((await alertDetail(s, alert.id)).escalation_level).toBe(1);

    await api(`/alerts/${alert.id}/acknowledge`, { as: s, method: "POST" });
    expect((await engineTimers(s.tenant.id)).map((t) => t.key)).not.toContain(`watch:alert-escalate:${alert.id}`);
    await advance(s.tenant.id, 31 * 60_000);
    await drain();
    // Nothing was armed, so nothing more can come; the quiet channel never heard anything.
    expect((await receiverState(loudEndpoint.name)).accepted).toHaveLength(2);
    expect((await receiverState(quietEndpoint.name)).attempts).toHaveLength(0);
  });

  it("who owns a pipeline and who depends on it", async () => {
    const { s, team } = await setupTenant();
    const finance = await createTeam(s, "Finance data");
    await api("/connections", {
      as: s,
      body: { team_id: finance.id, name: "tool", kind: "http", config: { base_url: "http://127.0.0.1:9" }, secrets: { bearer_token: "x" } },
    });
    await pushPipeline(s, { name: "ingest_crm", team: team.slug, products: ["crm_raw"], tasks: [toolTask("load")] });
    await pushPipeline(s, {
      name: "build_finance",
      team: finance.slug,
      triggers: [{ after: "ingest_crm" }],
      products: ["finance_revenue"],
      tasks: [toolTask("marts")],
    });

    const owner = await api("/owners/pipeline/ingest_crm", { as: s });
    expect(owner.status).toBe(200);
    expect(owner.json).toMatchObject({
      type: "pipeline",
      name: "ingest_crm",
      owner_team: { id: team.id },
      owner_source: "pipeline_team",
      dependents: {
        teams: [{ id: finance.id, name: "Finance data", via: ["pipeline build_finance", "product finance_revenue"] }],
        pipelines: [{ name: "build_finance", owner_team: { id: finance.id } }],
        products: [
          { name: "crm_raw", owner_team: { id: team.id } },
          { name: "finance_revenue", owner_team: { id: finance.id } },
        ],
      },
    });
    const product = await api("/owners/product/finance_revenue", { as: s });
    expect(product.json).toMatchObject({ owner_team: { id: finance.id }, owner_source: "declaring_pipeline", produced_by: [{ name: "build_finance" }] });
    const list = await api("/owners?type=product", { as: s });
    expect(list.json.items.map((i: { name: string; owner_team: { id: string } }) => `${i.name}:${i.owner_team.id}`)).toEqual([
      `crm_raw:${team.id}`,
      `finance_revenue:${finance.id}`,
    ]);
    expect((await api(`/owners?type=pipeline&team_id=${finance.id}`, { as: s })).json.items.map((i: { name: string }) => i.name)).toEqual(["build_finance"]);
    expectError(await api("/owners/pipeline/nope", { as: s }), 404, "not_found");
    expectError(await api("/owners/pipeline/ingest_crm", { as: await signup() }), 404, "not_found");
  });
});
