import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { tenantCtx, createDb } from "../../worker/db/client";
import { resolveConnectionSecrets } from "../../worker/db/repo/connections";
import { loadKeyRing } from "../../worker/lib/envelope";
import { api, signup, type Session } from "../helpers/api";
import { addMember, createTeam, createToken, createWebhookConnection, firstTeamId } from "../helpers/fixtures";
import { assertIsolated, assertRequiresAuth, type RouteCall } from "../helpers/isolation";

/** A tenant with one of everything: a second team, a member, a token, a connection and a pending invitation. */
async function populatedTenant() {
  const owner = await signup();
  const teamId = await firstTeamId(owner);
  const otherTeam = await createTeam(owner, "Second team");
  const member = await addMember(owner, "member", { teamId });
  const token = await createToken(owner, teamId);
  const connection = await createWebhookConnection(owner, teamId, "shared-name", `secret-of-${owner.tenant.slug}`);
  const invitation = await api("/invitations", { as: owner, body: { email: `pending-${owner.tenant.slug}@example.com`, role: "viewer" } });
  expect(invitation.status).toBe(201);
  return { owner, teamId, otherTeamId: otherTeam.id, member, token, connection, invitationId: invitation.json.invitation.id as string };
}

type Tenant = Awaited<ReturnType<typeof populatedTenant>>;

/** Every route that takes an id, pointed at tenant `t`'s objects, each with a valid body. */
function idRoutes(t: Tenant): RouteCall[] {
  return [
    { method: "GET", path: `/teams/${t.teamId}` },
    { method: "PATCH", path: `/teams/${t.teamId}`, body: { description: "taken over" } },
    { method: "GET", path: `/teams/${t.teamId}/members` },
    { method: "POST", path: `/teams/${t.otherTeamId}/members`, body: { user_id: t.member.user.id, role: "member" } },
    { method: "PATCH", path: `/teams/${t.teamId}/members/${t.member.user.id}`, body: { role: "maintainer" } },
    { method: "DELETE", path: `/teams/${t.teamId}/members/${t.member.user.id}` },
    { method: "PATCH", path: `/members/${t.member.user.id}`, body: { role: "viewer" } },
    { method: "DELETE", path: `/members/${t.member.user.id}` },
    { method: "DELETE", path: `/invitations/${t.invitationId}` },
    { method: "DELETE", path: `/tokens/${t.token.id}` },
    { method: "GET", path: `/connections/${t.connection.id}` },
    { method: "PATCH", path: `/connections/${t.connection.id}`, body: { description: "taken over" } },
    { method: "POST", path: `/connections/${t.connection.id}/rotate`, body: { secrets: { signing_secret: "attacker-value" } } },
    { method: "POST", path: `/connections/${t.connection.id}/test` },
    { method: "DELETE", path: `/connections/${t.connection.id}` },
  ];
}

const idsOf = (t: Tenant) => [t.owner.tenant.id, t.teamId, t.otherTeamId, t.owner.user.id, t.member.user.id, t.token.id, t.connection.id, t.invitationId];

describe("tenant isolation", () => {
  it("another tenant's session and token get 404 for every route that takes an id, and lists never mix tenants", async () => {
    const a = await populatedTenant();
    const b = await populatedTenant();
    const lists = (t: Tenant) => [
      { path: "/teams", as: t.owner, mustInclude: [t.teamId, t.otherTeamId] },
      { path: "/teams", as: t.token.token, mustInclude: [t.teamId] },
      { path: `/teams/${t.teamId}/members`, as: t.owner, mustInclude: [t.member.user.id] },
      { path: "/members", as: t.owner, mustInclude: [t.member.user.id] },
      { path: "/invitations", as: t.owner, mustInclude: [t.invitationId] },
      { path: "/tokens", as: t.owner, mustInclude: [t.token.id] },
      { path: "/tokens", as: t.token.token, mustInclude: [t.token.id] },
      { path: "/connections", as: t.owner, mustInclude: [t.connection.id] },
      { path: "/connections", as: t.token.token, mustInclude: [t.connection.id] },
      { path: "/audit-log", as: t.owner, mustInclude: [t.connection.id] },
      { path: "/me", as: t.owner, mustInclude: [t.teamId] },
    ];
    await assertIsolated({ routes: idRoutes(a), owner: a.owner, intruder: { session: b.owner, token: b.token.token }, lists: lists(a), foreignIds: idsOf(b) });
    await assertIsolated({ routes: idRoutes(b), owner: b.owner, intruder: { session: a.owner, token: a.token.token }, lists: lists(b), foreignIds: idsOf(a) });

    // The intruders' writes changed nothing: the member, invitation and token are intact.
    const members = await api("/members", { as: a.owner });
    expect(members.json.items.find((m: { user_id: string }) => m.user_id === a.member.user.id)).toMatchObject({ role: "member" });
    const invitations = await api("/invitations", { as: a.owner });
    expect(invitations.json.items.find((i: { id: string }) => i.id === a.invitationId).status).toBe("pending");
    expect((await api("/me", { as: a.token.token })).status).toBe(200);
    const conn = await api(`/connections/${a.connection.id}`, { as: a.owner });
    expect(conn.json).toMatchObject({ description: "", rotated_at: null });
    const ctx = tenantCtx(createDb(env.DB), a.owner.tenant.id);
    const resolved = await resolveConnectionSecrets(ctx, await loadKeyRing(env.TUTTI_MASTER_KEY), a.teamId, "shared-name");
    expect(resolved?.secrets.signing_secret).toBe(`secret-of-${a.owner.tenant.slug}`);
  });

  it("routes without an id answer 401 without credentials", async () => {
    await assertRequiresAuth([
      { method: "GET", path: "/teams" },
      { method: "POST", path: "/teams", body: { name: "Anonymous" } },
      { method: "GET", path: "/members" },
      { method: "GET", path: "/invitations" },
      { method: "POST", path: "/invitations", body: { email: "x@example.com", role: "member" } },
      { method: "GET", path: "/tokens" },
      { method: "POST", path: "/tokens", body: { name: "x", team_id: "team_x", scopes: ["read"] } },
      { method: "GET", path: "/connection-kinds" },
      { method: "GET", path: "/connections" },
      { method: "POST", path: "/connections", body: { team_id: "team_x", name: "x", kind: "webhook", config: {}, secrets: {} } },
      { method: "GET", path: "/audit-log" },
    ]);
  });
});

describe("team isolation inside a tenant", () => {
  async function twoTeams() {
    const owner = await signup();
    const teamA = await firstTeamId(owner);
    const teamB = (await createTeam(owner, "Finance")).id;
    const memberA = await addMember(owner, "member", { teamId: teamA });
    const tokenA = await createToken(memberA, teamA);
    const tokenB = await createToken(owner, teamB);
    const connA = await createWebhookConnection(owner, teamA, "warehouse", "team-a-secret-value");
    const connB = await createWebhookConnection(owner, teamB, "warehouse", "team-b-secret-value");
    return { owner, teamA, teamB, memberA, tokenA, tokenB, connA, connB };
  }

  it("a team's member and token get 404 for another team's connection and token, and never list them", async () => {
    const t = await twoTeams();
    await assertIsolated({
      routes: [
        { method: "GET", path: `/connections/${t.connB.id}` },
        { method: "PATCH", path: `/connections/${t.connB.id}`, body: { description: "mine now" } },
        { method: "POST", path: `/connections/${t.connB.id}/rotate`, body: { secrets: { signing_secret: "attacker-value" } } },
        { method: "DELETE", path: `/connections/${t.connB.id}` },
        { method: "DELETE", path: `/tokens/${t.tokenB.id}` },
      ],
      owner: t.owner,
      intruder: { session: t.memberA, token: t.tokenA.token },
      lists: [
        { path: "/connections", as: t.tokenA.token, mustInclude: [t.connA.id] },
        { path: "/connections", as: t.memberA, mustInclude: [t.connA.id] },
        { path: `/connections?team_id=${t.teamB}`, as: t.memberA },
        { path: "/tokens", as: t.memberA, mustInclude: [t.tokenA.id] },
        { path: "/tokens", as: t.tokenA.token, mustInclude: [t.tokenA.id] },
      ],
      foreignIds: [t.connB.id, t.tokenB.id],
    });
    // The tenant owner (an admin) sees both teams' connections.
    const all = await api("/connections", { as: t.owner });
    expect(all.json.items.map((c: { id: string }) => c.id).sort()).toEqual([t.connA.id, t.connB.id].sort());
  });

  it("a team token sees only its own team", async () => {
    const t = await twoTeams();
    const teams = await api("/teams", { as: t.tokenA.token });
    expect(teams.json.items.map((x: { id: string }) => x.id)).toEqual([t.teamA]);
    expect((await api(`/teams/${t.teamB}`, { as: t.tokenA.token })).status).toBe(404);
    expect((await api(`/teams/${t.teamB}/members`, { as: t.tokenA.token })).status).toBe(404);
  });

  it("the run engine resolves a connection name within the task's team only", async () => {
    const t = await twoTeams();
    const ctx = tenantCtx(createDb(env.DB), t.owner.tenant.id);
    const ring = await loadKeyRing(env.TUTTI_MASTER_KEY);
    expect((await resolveConnectionSecrets(ctx, ring, t.teamA, "warehouse"))?.secrets).toEqual({ signing_secret: "team-a-secret-value" });
    expect((await resolveConnectionSecrets(ctx, ring, t.teamB, "warehouse"))?.secrets).toEqual({ signing_secret: "team-b-secret-value" });
    const onlyB = await createWebhookConnection(t.owner, t.teamB, "finance-only", "finance-secret");
    expect(onlyB.team_id).toBe(t.teamB);
    expect(await resolveConnectionSecrets(ctx, ring, t.teamA, "finance-only")).toBeNull();
    // Another tenant's context cannot reach it either.
    const stranger = await signup();
    expect(await resolveConnectionSecrets(tenantCtx(createDb(env.DB), stranger.tenant.id), ring, t.teamB, "finance-only")).toBeNull();
  });
});
