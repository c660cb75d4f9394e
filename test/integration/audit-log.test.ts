import { describe, expect, it } from "vitest";
import { api, expectError, signup } from "../helpers/api";
import { addMember, createTeam, createToken, createWebhookConnection, firstTeamId } from "../helpers/fixtures";

const actions = (res: { json: any }) => res.json.items.map((e: { action: string }) => e.action);
/** Writes in the same millisecond have no defined order, so content is compared as a multiset. */
const sortedActions = (res: { json: any }) => actions(res).sort();

describe("audit log", () => {
  it("records every write with actor, target, team and time, newest first", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const team = await createTeam(owner, "Finance");
    await api(`/teams/${team.id}`, { as: owner, method: "PATCH", body: { description: "Money" } });
    const member = await addMember(owner, "member");
    await api(`/teams/${team.id}/members`, { as: owner, body: { user_id: member.user.id, role: "member" } });
    await api(`/teams/${team.id}/members/${member.user.id}`, { as: owner, method: "PATCH", body: { role: "maintainer" } });
    await api(`/teams/${team.id}/members/${member.user.id}`, { as: owner, method: "DELETE" });
    await api(`/members/${member.user.id}`, { as: owner, method: "PATCH", body: { role: "viewer" } });
    const token = await createToken(owner, teamId);
    await api(`/tokens/${token.id}`, { as: owner, method: "DELETE" });
    const conn = await createWebhookConnection(owner, teamId, "hook", "audit-secret-value");
    await api(`/connections/${conn.id}`, { as: owner, method: "PATCH", body: { description: "d" } });
    await api(`/connections/${conn.id}/rotate`, { as: owner, body: { secrets: { signing_secret: "audit-secret-value-2" } } });
    await api(`/connections/${conn.id}`, { as: owner, method: "DELETE" });
    const inv = await api("/invitations", { as: owner, body: { email: "later@example.com", role: "member" } });
    await api(`/invitations/${inv.json.invitation.id}`, { as: owner, method: "DELETE" });
    await api(`/members/${member.user.id}`, { as: owner, method: "DELETE" });

    const log = await api("/audit-log?limit=200", { as: owner });
    expect(log.status).toBe(200);
    const times = log.json.items.map((e: { at: string }) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(sortedActions(log)).toEqual(
      [
        "member.removed",
        "invitation.revoked",
        "invitation.created",
        "connection.deleted",
        "connection.rotated",
        "connection.updated",
        "connection.created",
        "token.revoked",
        "token.created",
        "member.role_changed",
        "team.member_removed",
        "team.member_role_changed",
        "team.member_added",
        "invitation.accepted",
        "invitation.created",
        "team.updated",
        "team.created",
        "tenant.created",
      ].sort(),
    );
    const created = log.json.items.find((e: { action: string }) => e.action === "team.created");
    expect(created).toMatchObject({
      actor: { type: "user", id: owner.user.id, label: owner.user.email },
      target: { type: "team", id: team.id },
      team_id: team.id,
    });
    expect(Date.parse(created.at)).not.toBeNaN();
    expect(log.text).not.toContain("audit-secret-value");
  });

  it("filters by action, actor, target, team and time, and pages by cursor", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const other = await createTeam(owner, "Other");
    const admin = await addMember(owner, "admin");
    const conn = await createWebhookConnection(admin, other.id, "hook", "v");
    await createWebhookConnection(owner, teamId, "hook", "v");

    expect(actions(await api("/audit-log?action=connection.created", { as: owner }))).toEqual(["connection.created", "connection.created"]);
    const byActor = await api(`/audit-log?actor_id=${admin.user.id}`, { as: owner });
    expect(sortedActions(byActor)).toEqual(["connection.created", "invitation.accepted"]);
    expect(actions(await api(`/audit-log?target_id=${conn.id}`, { as: owner }))).toEqual(["connection.created"]);
    expect(sortedActions(await api(`/audit-log?team_id=${other.id}`, { as: owner }))).toEqual(["connection.created", "team.created"]);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(actions(await api(`/audit-log?from=${future}`, { as: owner }))).toEqual([]);
    expect(actions(await api(`/audit-log?to=2000-01-01T00:00:00Z`, { as: owner }))).toEqual([]);

    const all = actions(await api("/audit-log", { as: owner }));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { json: any } = await api(`/audit-log?limit=2${cursor ? `&cursor=${cursor}` : ""}`, { as: owner });
      expect(page.json.items.length).toBeLessThanOrEqual(2);
      seen.push(...actions(page));
      cursor = page.json.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all);
  });

  it("rejects bad filters with their paths", async () => {
    const owner = await signup();
    const cases: Array<[string, string]> = [
      ["from=yesterday", "query.from"],
      ["limit=0", "query.limit"],
      ["limit=abc", "query.limit"],
      ["cursor=not-a-cursor", "cursor"],
      ["from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from"],
    ];
    for (const [qs, path] of cases) {
      const res = await api(`/audit-log?${qs}`, { as: owner });
      expectError(res, 400, "validation_failed");
      expect(res.json.error.details[0].path, qs).toBe(path);
    }
  });

  it("only tenant owners and admins can read it", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const member = await addMember(owner, "member", { teamId });
    const token = await createToken(owner, teamId);
    expectError(await api("/audit-log", { as: member }), 403, "forbidden");
    expectError(await api("/audit-log", { as: token.token }), 403, "forbidden");
    expectError(await api("/audit-log"), 401, "unauthorized");
  });
});
