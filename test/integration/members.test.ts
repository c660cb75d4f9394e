import { describe, expect, it } from "vitest";
import { api, expectError, signup } from "../helpers/api";
import { addMember, createToken, firstTeamId } from "../helpers/fixtures";

describe("tenant members", () => {
  it("lists every member with their role and teams", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const member = await addMember(owner, "member", { teamId, name: "Grace Hopper" });
    const viewer = await addMember(owner, "viewer", { name: "Alan Turing" });
    const list = await api("/members", { as: viewer });
    expect(list.status).toBe(200);
    expect(list.json.items).toEqual([
      {
        user_id: owner.user.id,
        email: owner.user.email,
        name: owner.user.name,
        role: "owner",
        teams: [{ id: teamId, name: "Data platform", role: "maintainer" }],
      },
      { user_id: viewer.user.id, email: viewer.user.email, name: "Alan Turing", role: "viewer", teams: [] },
      {
        user_id: member.user.id,
        email: member.user.email,
        name: "Grace Hopper",
        role: "member",
        teams: [{ id: teamId, name: "Data platform", role: "member" }],
      },
    ]);
  });

  it("API tokens cannot list people", async () => {
    const owner = await signup();
    const token = await createToken(owner, await firstTeamId(owner));
    expectError(await api("/members", { as: token.token }), 403, "forbidden");
  });

  it("an admin changes roles; only owners grant or touch owner; the last owner cannot be demoted", async () => {
    const owner = await signup();
    const admin = await addMember(owner, "admin");
    const member = await addMember(owner, "member");

    const toViewer = await api(`/members/${member.user.id}`, { as: admin, method: "PATCH", body: { role: "viewer" } });
    expect(toViewer.status).toBe(200);
    expect(toViewer.json.role).toBe("viewer");
    expect((await api("/me", { as: member })).json.role).toBe("viewer");

    expectError(await api(`/members/${member.user.id}`, { as: admin, method: "PATCH", body: { role: "owner" } }), 403, "forbidden");
    expectError(await api(`/members/${owner.user.id}`, { as: admin, method: "PATCH", body: { role: "member" } }), 403, "forbidden");
    const last = await api(`/members/${owner.user.id}`, { as: owner, method: "PATCH", body: { role: "admin" } });
    expectError(last, 409, "conflict");
    expect(last.json.error.message).toMatch(/last owner/);

    expect((await api(`/members/${admin.user.id}`, { as: owner, method: "PATCH", body: { role: "owner" } })).status).toBe(200);
    const stepDown = await api(`/members/${owner.user.id}`, { as: owner, method: "PATCH", body: { role: "admin" } });
    expect(stepDown.json.role).toBe("admin");
    const bad = await api(`/members/${admin.user.id}`, { as: admin, method: "PATCH", body: { role: "superuser" } });
    expectError(bad, 400, "validation_failed");
    expect(bad.json.error.details[0].path).toBe("role");
  });

  it("members and viewers cannot change roles", async () => {
    const owner = await signup();
    const member = await addMember(owner, "member");
    const viewer = await addMember(owner, "viewer");
    expectError(await api(`/members/${viewer.user.id}`, { as: member, method: "PATCH", body: { role: "admin" } }), 403, "forbidden");
    expectError(await api(`/members/${member.user.id}`, { as: member, method: "PATCH", body: { role: "admin" } }), 403, "forbidden");
    expectError(await api(`/members/${member.user.id}`, { as: viewer, method: "DELETE" }), 403, "forbidden");
  });

  it("removing a member ends their sessions, disables their tokens and drops their team memberships", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const member = await addMember(owner, "member", { teamId });
    const token = await createToken(member, teamId);
    expect((await api("/me", { as: token.token })).status).toBe(200);

    const removed = await api(`/members/${member.user.id}`, { as: owner, method: "DELETE" });
    expect(removed.status).toBe(204);
    expectError(await api("/me", { as: member }), 401, "unauthorized");
    expectError(await api("/me", { as: token.token }), 401, "unauthorized");
    expect((await api("/members", { as: owner })).json.items.map((m: { user_id: string }) => m.user_id)).toEqual([owner.user.id]);
    expect((await api(`/teams/${teamId}`, { as: owner })).json.member_count).toBe(1);
    expectError(await api(`/members/${member.user.id}`, { as: owner, method: "DELETE" }), 404, "not_found");
  });

  it("the last owner cannot be removed", async () => {
    const owner = await signup();
    const res = await api(`/members/${owner.user.id}`, { as: owner, method: "DELETE" });
    expectError(res, 409, "conflict");
    expect((await api("/me", { as: owner })).status).toBe(200);
  });
});
