import { env } from "cloudflare:test";
import { workerFetch } from "../helpers/worker-fetch";
import { describe, expect, inject, it } from "vitest";
import { api, BASE, expectError } from "../helpers/api";
import { addMember, createTeam, firstTeamId } from "../helpers/fixtures";
import { setAccount, ssoSignIn, ssoWorkspace } from "../helpers/sso";
import { tenantD1 } from "../helpers/tenant-db";

const issuer = inject("oidcIssuer");

const login = (email: string, password = "correct horse battery") =>
  workerFetch(`${BASE}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": "10.77.0.1" },
    body: JSON.stringify({ email, password }),
  });

async function audits(tenantId: string, action: string) {
  const { results } = await (await tenantD1(tenantId))
    .prepare("SELECT actor_id, details FROM audit_log WHERE tenant_id = ? AND action = ?")
    .bind(tenantId, action)
    .all<{ actor_id: string; details: string }>();
  return results.map((r) => ({ actor: r.actor_id, ...JSON.parse(r.details) }));
}

describe("group claims map to teams and roles", () => {
  it("JIT provisioning gives the default role the owner chose", async () => {
    const { owner, domain } = await ssoWorkspace(issuer);
    expect((await api("/sso", { as: owner, method: "PATCH", body: { default_role: "viewer" } })).status).toBe(200);
    const person = await ssoSignIn(`email=vi@${domain}`, `vi@${domain}`);
    expect((await api("/me", { as: person })).json.role).toBe("viewer");
  });

  it("mapped groups put the person in teams with the mapped role; leaving a group at the provider leaves the team at the next sign-in", async () => {
    const { owner, domain } = await ssoWorkspace(issuer);
    const untouched = await firstTeamId(owner);
    const analytics = await createTeam(owner, "Analytics");
    const platform = await createTeam(owner, "Platform");
    const mapped = await api("/sso/group-mappings", {
      as: owner,
      method: "PUT",
      body: {
        mappings: [
          { group: "grp-analytics", team_id: analytics.id, team_role: "maintainer" },
          { group: "grp-platform", team_id: platform.id },
          { group: "grp-admins", tenant_role: "admin" },
        ],
      },
    });
    expect(mapped.status).toBe(200);
    expect(mapped.json.group_mappings).toHaveLength(3);

    await setAccount(issuer, `gi@${domain}`, { groups: ["grp-analytics", "grp-admins", "grp-unmapped"] });
    const first = await ssoSignIn(`email=gi@${domain}`, `gi@${domain}`);
    let me = (await api("/me", { as: first })).json;
    expect(me.role).toBe("admin");
    const roleIn = (teamId: string) => me.teams.find((t: { id: string }) => t.id === teamId)?.role ?? null;
    expect(roleIn(analytics.id)).toBe("maintainer");
    expect(roleIn(platform.id)).toBeNull();

    // An admin adds them by hand to a team no mapping names: SSO leaves that membership alone.
    expect((await api(`/teams/${untouched}/members`, { as: owner, body: { user_id: first.user.id, role: "member" } })).status).toBe(201);

    await setAccount(issuer, `gi@${domain}`, { groups: ["grp-platform"] });
    const second = await ssoSignIn(`email=gi@${domain}`, `gi@${domain}`);
    me = (await api("/me", { as: second })).json;
    // Roles are decided by the provider once a mapping names one: out of grp-admins means the default role.
    expect(me.role).toBe("member");
    expect(roleIn(analytics.id)).toBeNull();
    expect(roleIn(platform.id)).toBe("member");
    expect(roleIn(untouched)).toBe("member");
    const [, last] = await audits(owner.tenant.id, "sso.signed_in");
    expect(last).toMatchObject({ role_changed: { from: "admin", to: "member" }, teams_added: [platform.id], teams_removed: [analytics.id] });
  });

  it("a mapping naming an unknown team or nothing at all is refused, naming the field", async () => {
    const { owner } = await ssoWorkspace(issuer);
    const res = await api("/sso/group-mappings", { as: owner, method: "PUT", body: { mappings: [{ group: "g", team_id: "team_nope" }] } });
    expectError(res, 400, "validation_failed");
    expect(res.json.error.details[0].path).toBe("mappings[0].team_id");
    const owners = await api("/sso/group-mappings", { as: owner, method: "PUT", body: { mappings: [{ group: "g", tenant_role: "owner" }] } });
    expectError(owners, 400, "validation_failed");
  });
});

describe("enforced single sign-on", () => {
  it("turns password sign-in off for members, ends their password sessions, and leaves owners an audited break-glass", async () => {
    const { owner, domain } = await ssoWorkspace(issuer);
    const member = await addMember(owner, "member");
    const ssoPerson = await ssoSignIn(`email=kim@${domain}`, `kim@${domain}`);
    const enforced = await api("/sso", { as: owner, method: "PATCH", body: { enforced: true } });
    expect(enforced.status).toBe(200);
    expect(enforced.json.enforced).toBe(true);
    const [change] = (await audits(owner.tenant.id, "sso.settings_changed")).filter((a) => a.enforced === true);
    expect(change.password_sessions_ended).toBe(1);

    // The member's password session ended at once; the SSO session and the owner's stay.
    expectError(await api("/me", { as: member }), 401, "unauthorized");
    expect((await api("/me", { as: ssoPerson })).status).toBe(200);
    expect((await api("/me", { as: owner })).status).toBe(200);

    // The right password no longer starts a session for a member…
    const refused = await login(member.user.email);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/single sign-on/);
    // …nor a wrong one (the same 401 as always: nothing is revealed to someone without the password).
    expect((await login(member.user.email, "wrong password!!")).status).toBe(401);

    // The owner signs in with their password: break-glass, audited.
    const glass = await login(owner.user.email);
    expect(glass.status).toBe(200);
    const [entry] = await audits(owner.tenant.id, "sso.break_glass");
    expect(entry).toMatchObject({ actor: owner.user.id, email: owner.user.email });
    const row = await env.DB.prepare("SELECT auth_method FROM sessions WHERE tenant_id = ? AND user_id = ? ORDER BY created_at DESC LIMIT 1")
      .bind(owner.tenant.id, owner.user.id)
      .first<{ auth_method: string }>();
    expect(row?.auth_method).toBe("password");

    // Members still sign in through the provider.
    expect((await api("/me", { as: await ssoSignIn(`email=kim@${domain}`, `kim@${domain}`) })).status).toBe(200);
  });

  it("cannot be turned on before the provider and a domain are set up", async () => {
    const { signup } = await import("../helpers/api");
    const owner = await signup();
    const res = await api("/sso", { as: owner, method: "PATCH", body: { enforced: true } });
    expectError(res, 400, "validation_failed");
    expect(res.json.error.details[0].path).toBe("enforced");
  });
});
