import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, cookieFrom, expectError, signup, type Session } from "../helpers/api";
import { addMember, createTeam, createToken, firstTeamId } from "../helpers/fixtures";

async function invite(admin: Session, body: Record<string, unknown>) {
  const res = await api("/invitations", { as: admin, body });
  expect(res.status, res.text).toBe(201);
  return res.json as { invitation: { id: string; status: string; expires_at: string; created_at: string }; url: string; token: string };
}

async function accept(body: Record<string, unknown>) {
  const res = await api("/invitations/accept", { body });
  return {
    ...res,
    session:
      res.status === 200 ? ({ cookie: cookieFrom(res.headers), csrf: res.json.csrf_token, user: res.json.user, tenant: res.json.tenant } as Session) : null,
  };
}

describe("invitations", () => {
  it("an admin invites by link; the link shows who it is for and accepting creates the account, membership and session", async () => {
    const owner = await signup();
    const team = await createTeam(owner, "Analytics");
    const created = await invite(owner, { email: "New.Person@Example.com", role: "member", team_id: team.id });
    expect(created.invitation).toMatchObject({
      email: "new.person@example.com",
      role: "member",
      team_id: team.id,
      status: "pending",
      created_by: owner.user.id,
    });
    expect(created.token).toMatch(/^[0-9a-z]{40}$/);
    expect(created.url).toBe(`https://tutti.test/invite/${created.token}`);
    const days = (Date.parse(created.invitation.expires_at) - Date.parse(created.invitation.created_at)) / 86_400_000;
    expect(days).toBe(7);

    const lookup = await api(`/invitations/lookup?token=${created.token}`);
    expect(lookup.status).toBe(200);
    expect(lookup.json).toEqual({
      tenant: { name: owner.tenant.name, slug: owner.tenant.slug },
      email: "new.person@example.com",
      role: "member",
      expires_at: created.invitation.expires_at,
    });

    const joined = await accept({ token: created.token, name: "New Person", password: "a strong password" });
    expect(joined.status).toBe(200);
    expect(joined.json).toMatchObject({ user: { email: "new.person@example.com", name: "New Person" }, tenant: { id: owner.tenant.id, role: "member" } });
    const me = await api("/me", { as: joined.session! });
    expect(me.json.role).toBe("member");
    expect(me.json.teams.find((t: { id: string }) => t.id === team.id).role).toBe("member");
    const login = await api("/auth/login", { body: { email: "new.person@example.com", password: "a strong password" } });
    expect(login.status).toBe(200);

    const list = await api("/invitations", { as: owner });
    expect(list.json.items[0]).toMatchObject({ id: created.invitation.id, status: "accepted" });
    const audit = await api(`/audit-log?target_id=${created.invitation.id}`, { as: owner });
    expect(audit.json.items.map((e: { action: string }) => e.action).sort()).toEqual(["invitation.accepted", "invitation.created"]);
    expect(audit.json.items.find((e: { action: string }) => e.action === "invitation.accepted").actor).toMatchObject({ type: "user", id: joined.json.user.id });

    const again = await accept({ token: created.token, name: "New Person", password: "a strong password" });
    expectError(again, 409, "conflict");
  });

  it("an existing account joins with its own password", async () => {
    const owner = await signup();
    const elsewhere = await signup({ password: "my existing password" });
    const created = await invite(owner, { email: elsewhere.user.email, role: "viewer" });
    const lookup = await api(`/invitations/lookup?token=${created.token}`);
    expect(lookup.json).not.toHaveProperty("existing_user");
    expectError(await accept({ token: created.token, name: "Ignored", password: "not my password" }), 401, "unauthorized");
    const joined = await accept({ token: created.token, name: "Ignored", password: "my existing password" });
    expect(joined.status).toBe(200);
    expect(joined.json.tenant).toMatchObject({ id: owner.tenant.id, role: "viewer" });
    expect(joined.json.user).toEqual(elsewhere.user);
  });

  it("a new account needs a name and a long enough password; nothing is created otherwise", async () => {
    const owner = await signup();
    const created = await invite(owner, { email: "needs-name@example.com", role: "member" });
    const noName = await accept({ token: created.token, password: "a strong password" });
    expectError(noName, 400, "validation_failed");
    expect(noName.json.error.details[0].path).toBe("name");
    const short = await accept({ token: created.token, name: "N", password: "short" });
    expectError(short, 400, "validation_failed");
    expect(short.json.error.details[0].path).toBe("password");
    expect((await api("/members", { as: owner })).json.items).toHaveLength(1);
    expect(await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind("needs-name@example.com").first()).toBeNull();
  });

  it("a revoked or expired link no longer works; an unknown one is 404", async () => {
    const owner = await signup();
    const revokedInv = await invite(owner, { email: "revoked@example.com", role: "member" });
    const revoked = await api(`/invitations/${revokedInv.invitation.id}`, { as: owner, method: "DELETE" });
    expect(revoked.status).toBe(200);
    expect(revoked.json.status).toBe("revoked");
    expectError(await api(`/invitations/lookup?token=${revokedInv.token}`), 409, "conflict");
    expectError(await accept({ token: revokedInv.token, name: "R", password: "a strong password" }), 409, "conflict");

    const expiring = await invite(owner, { email: "late@example.com", role: "member", expires_in_days: 1 });
    await env.DB.prepare("UPDATE invitations SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1000, expiring.invitation.id)
      .run();
    const late = await api(`/invitations/lookup?token=${expiring.token}`);
    expectError(late, 409, "conflict");
    expect(late.json.error.message).toMatch(/expired/);
    expect((await api("/invitations", { as: owner })).json.items.find((i: { id: string }) => i.id === expiring.invitation.id).status).toBe("expired");

    expectError(await api(`/invitations/lookup?token=${"x".repeat(40)}`), 404, "not_found");
    expectError(await api("/invitations/lookup"), 400, "validation_failed");
  });

  it("an accepted invitation cannot be revoked", async () => {
    const owner = await signup();
    const created = await invite(owner, { email: "accepted@example.com", role: "member" });
    expect((await accept({ token: created.token, name: "A", password: "a strong password" })).status).toBe(200);
    expectError(await api(`/invitations/${created.invitation.id}`, { as: owner, method: "DELETE" }), 409, "conflict");
  });

  it("only owners and admins invite; only owners invite owners; members cannot be invited twice", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const admin = await addMember(owner, "admin");
    const member = await addMember(owner, "member", { teamId });
    const token = await createToken(owner, teamId);
    for (const as of [member, token.token]) {
      expectError(await api("/invitations", { as, body: { email: "x@example.com", role: "member" } }), 403, "forbidden");
      expectError(await api("/invitations", { as }), 403, "forbidden");
    }
    expectError(await api("/invitations", { as: admin, body: { email: "boss@example.com", role: "owner" } }), 403, "forbidden");
    expect((await api("/invitations", { as: owner, body: { email: "boss@example.com", role: "owner" } })).status).toBe(201);
    const dup = await api("/invitations", { as: admin, body: { email: member.user.email, role: "member" } });
    expectError(dup, 409, "conflict");
    expect(dup.json.error.details[0].path).toBe("email");
    const noTeam = await api("/invitations", { as: admin, body: { email: "y@example.com", role: "member", team_id: "team_nope" } });
    expectError(noTeam, 400, "validation_failed");
    expect(noTeam.json.error.details[0].path).toBe("team_id");
  });
});
