import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, expectError, signup, type Session } from "../helpers/api";
import { addMember, createTeam, createToken, firstTeamId } from "../helpers/fixtures";

/** A one-task pipeline push: the cheapest write a `pipelines:write` token or a team member can make. */
function pushSpec(as: Session | string, team: { slug: string }, name: string) {
  const spec = { name, team: team.slug, tasks: [{ id: "only", connector: "http", with: { url: "https://tools.example.com/only" } }] };
  return api("/pipelines", { as, body: { spec_text: JSON.stringify(spec), format: "json" } });
}

async function teamOf(s: Session) {
  const me = await api("/me", { as: s });
  return me.json.teams[0] as { id: string; slug: string };
}

const setRole = (admin: Session, user: Session, role: string) => api(`/members/${user.user.id}`, { as: admin, method: "PATCH", body: { role } });

describe("a token acts with its creator's current rights", () => {
  it("a creator demoted to viewer leaves their token read-only at once; promoted back, it writes again", async () => {
    const owner = await signup();
    const team = await teamOf(owner);
    const member = await addMember(owner, "member", { teamId: team.id });
    const token = await createToken(member, team.id);
    expect((await pushSpec(token.token, team, "before_demotion")).status).toBe(201);

    expect((await setRole(owner, member, "viewer")).status).toBe(200);
    expectError(await pushSpec(token.token, team, "after_demotion"), 403, "forbidden");
    const me = await api("/me", { as: token.token });
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ role: "viewer", scopes: ["read"] });
    expect((await api("/pipelines", { as: token.token })).status).toBe(200);

    expect((await setRole(owner, member, "member")).status).toBe(200);
    expect((await pushSpec(token.token, team, "after_promotion")).status).toBe(201);
  });

  it("removing the creator from the token's team revokes the token (audited); adding them back revives nothing", async () => {
    const owner = await signup();
    const team = await teamOf(owner);
    const other = await createTeam(owner, "Other team");
    const member = await addMember(owner, "member", { teamId: team.id });
    expect((await api(`/teams/${other.id}/members`, { as: owner, body: { user_id: member.user.id, role: "member" } })).status).toBe(201);
    const token = await createToken(member, team.id);
    const otherToken = await createToken(member, other.id);

    expect((await api(`/teams/${team.id}/members/${member.user.id}`, { as: owner, method: "DELETE" })).status).toBe(204);
    expectError(await api("/me", { as: token.token }), 401, "unauthorized");
    // Only the tokens of the team they left.
    expect((await api("/me", { as: otherToken.token })).status).toBe(200);

    expect((await api(`/teams/${team.id}/members`, { as: owner, body: { user_id: member.user.id, role: "member" } })).status).toBe(201);
    expectError(await api("/me", { as: token.token }), 401, "unauthorized");
    const listed = await api(`/tokens?team_id=${team.id}`, { as: owner });
    expect(listed.json.items.find((t: { id: string }) => t.id === token.id).revoked_at).not.toBeNull();
    const audit = await api(`/audit-log?target_id=${token.id}&action=token.revoked`, { as: owner });
    expect(audit.json.items).toHaveLength(1);
    expect(audit.json.items[0].details).toMatchObject({ reason: "creator_removed_from_team" });
  });

  it("a token of a creator who can no longer reach its team stops at once, even unrevoked", async () => {
    const owner = await signup();
    const admin = await addMember(owner, "admin");
    // An admin acts for every team, so their token for a team they are not in works...
    const team = await teamOf(owner);
    const token = await createToken(admin, team.id);
    expect((await pushSpec(token.token, team, "by_admin")).status).toBe(201);
    // ...until they are a plain member, who reaches only their own teams.
    expect((await setRole(owner, admin, "member")).status).toBe(200);
    expectError(await api("/me", { as: token.token }), 401, "unauthorized");
    expectError(await pushSpec(token.token, team, "by_former_admin"), 401, "unauthorized");
  });

  it("removing the creator from the tenant revokes their tokens (audited); inviting them again revives none", async () => {
    const owner = await signup();
    const team = await teamOf(owner);
    const member = await addMember(owner, "member", { teamId: team.id });
    const token = await createToken(member, team.id);
    expect((await api(`/members/${member.user.id}`, { as: owner, method: "DELETE" })).status).toBe(204);
    expectError(await api("/me", { as: token.token }), 401, "unauthorized");

    // Invited again with the same e-mail: the same account joins, the old token stays dead.
    const inv = await api("/invitations", { as: owner, body: { email: member.user.email, role: "member", team_id: team.id } });
    expect(inv.status).toBe(201);
    expect((await api("/invitations/accept", { body: { token: inv.json.token, password: "correct horse battery" } })).status).toBe(200);
    expectError(await api("/me", { as: token.token }), 401, "unauthorized");

    const stored = await env.DB.prepare("SELECT revoked_at FROM api_tokens WHERE id = ?").bind(token.id).first<{ revoked_at: number | null }>();
    expect(stored!.revoked_at).not.toBeNull();
    const removal = await api(`/audit-log?target_id=${member.user.id}&action=member.removed`, { as: owner });
    expect(removal.json.items[0].details).toMatchObject({ tokens_revoked: 1 });
    const revocation = await api(`/audit-log?target_id=${token.id}&action=token.revoked`, { as: owner });
    expect(revocation.json.items[0].details).toMatchObject({ reason: "creator_removed_from_tenant" });
  });
});

describe("a viewer holds no write right, not even as a team maintainer", () => {
  /** A tenant member who maintains the first team, then is demoted to viewer: the maintainer role stays stored. */
  async function demotedMaintainer() {
    const owner = await signup();
    const team = await teamOf(owner);
    const person = await addMember(owner, "member", { teamId: team.id });
    expect((await api(`/teams/${team.id}/members/${person.user.id}`, { as: owner, method: "PATCH", body: { role: "maintainer" } })).status).toBe(200);
    const colleague = await addMember(owner, "member", { teamId: team.id });
    const colleaguesToken = await createToken(colleague, team.id);
    expect((await setRole(owner, person, "viewer")).status).toBe(200);
    return { owner, team, person, colleague, colleaguesToken };
  }

  it("a viewer who maintains a team cannot manage its members, rename it or revoke its tokens", async () => {
    const { owner, team, person, colleague, colleaguesToken } = await demotedMaintainer();
    const stored = await api(`/teams/${team.id}/members`, { as: owner });
    expect(stored.json.items.find((m: { user_id: string }) => m.user_id === person.user.id).role).toBe("maintainer");

    expectError(await api(`/teams/${team.id}`, { as: person, method: "PATCH", body: { name: "Renamed by a viewer" } }), 403, "forbidden");
    expectError(await api(`/teams/${team.id}/members/${colleague.user.id}`, { as: person, method: "PATCH", body: { role: "maintainer" } }), 403, "forbidden");
    expectError(await api(`/teams/${team.id}/members/${colleague.user.id}`, { as: person, method: "DELETE" }), 403, "forbidden");
    expectError(await api(`/teams/${team.id}/members`, { as: person, body: { user_id: owner.user.id, role: "member" } }), 403, "forbidden");
    expectError(await api(`/tokens/${colleaguesToken.id}`, { as: person, method: "DELETE" }), 403, "forbidden");
    expect((await api("/me", { as: colleaguesToken.token })).status).toBe(200);
    // What the viewer is told matches what they may do.
    expect((await api(`/teams/${team.id}`, { as: person })).json.my_role).toBe("member");
  });

  it("a viewer cannot be made a team maintainer (400 naming role); a member can", async () => {
    const owner = await signup();
    const team = await teamOf(owner);
    const viewer = await addMember(owner, "viewer");
    const added = await api(`/teams/${team.id}/members`, { as: owner, body: { user_id: viewer.user.id, role: "maintainer" } });
    expectError(added, 400, "validation_failed");
    expect(added.json.error.details[0].path).toBe("role");
    expect((await api(`/teams/${team.id}/members`, { as: owner, body: { user_id: viewer.user.id, role: "member" } })).status).toBe(201);
    const promoted = await api(`/teams/${team.id}/members/${viewer.user.id}`, { as: owner, method: "PATCH", body: { role: "maintainer" } });
    expectError(promoted, 400, "validation_failed");
    expect(promoted.json.error.details[0].path).toBe("role");

    const member = await addMember(owner, "member", { teamId: team.id });
    expect((await api(`/teams/${team.id}/members/${member.user.id}`, { as: owner, method: "PATCH", body: { role: "maintainer" } })).status).toBe(200);
  });

  it("a viewer may still revoke a token they created before their demotion", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const member = await addMember(owner, "member", { teamId });
    const token = await createToken(member, teamId);
    expect((await setRole(owner, member, "viewer")).status).toBe(200);
    expect((await api(`/tokens/${token.id}`, { as: member, method: "DELETE" })).status).toBe(200);
    expectError(await api("/me", { as: token.token }), 401, "unauthorized");
  });
});
