import { env } from "cloudflare:test";
import { workerFetch } from "../helpers/worker-fetch";
import { describe, expect, inject, it } from "vitest";
import { api, BASE, cookieFrom, linkToken, signup, type Session } from "../helpers/api";
import { createTeam } from "../helpers/fixtures";
import { codeFor, enrolTotp, login, newAddress, secondStep } from "../helpers/mfa";
import { setAccount, ssoSignIn, ssoWorkspace } from "../helpers/sso";

/**
 * The accounts side with tenants on two shards (worker/db/sides.ts): people, memberships, sessions, invitations,
 * second factors and SSO/SCIM state on the control database; teams and audit entries on each tenant's shard. Each
 * test puts the tenants it needs on a chosen shard, and checks rows are on the side they belong to.
 */

const issuer = inject("oidcIssuer");
const databases = { DB: env.DB, SHARD_1: env.SHARD_1, SHARD_2: env.SHARD_2 };
type Shard = "SHARD_1" | "SHARD_2";
const other = (shard: Shard): Shard => (shard === "SHARD_1" ? "SHARD_2" : "SHARD_1");

async function shardOf(tenantId: string): Promise<Shard> {
  return (await env.DB.prepare("SELECT shard FROM tenants WHERE id = ?").bind(tenantId).first<{ shard: Shard }>())!.shard;
}

/**
 * A workspace made by `make` that landed on `shard`. Placement takes the shard with the fewest tenants, so a second
 * try lands on the other one whenever the first did not.
 */
async function on<T extends { tenantId: string }>(shard: Shard, make: () => Promise<T>): Promise<T> {
  for (let i = 0; i < 3; i++) {
    const made = await make();
    if ((await shardOf(made.tenantId)) === shard) return made;
  }
  throw new Error(`no workspace landed on ${shard}`);
}

const signupOn = async (shard: Shard) =>
  (
    await on(shard, async () => {
      const s = await signup();
      return { s, tenantId: s.tenant.id };
    })
  ).s;

/** How many audit entries of this action each database holds for the tenant. */
async function auditCounts(tenantId: string, action: string) {
  const out: Record<string, number> = {};
  for (const [name, d1] of Object.entries(databases))
    out[name] = (await d1.prepare("SELECT count(*) AS n FROM audit_log WHERE tenant_id = ? AND action = ?").bind(tenantId, action).first<{ n: number }>())!.n;
  return out;
}

/** Only the tenant's own shard holds `n` entries of the action. */
const onlyOnShard = (shard: Shard, n = 1) => ({ DB: 0, [shard]: n, [other(shard)]: 0 });

async function accept(token: string, password = "correct horse battery") {
  const res = await api("/invitations/accept", { body: { token, password } });
  expect(res.status, res.text).toBe(200);
  return { cookie: cookieFrom(res.headers), csrf: res.json.csrf_token, user: res.json.user, tenant: res.json.tenant } as Session;
}

/** One person with their own workspace on SHARD_1 who joins, by invitation, a workspace on SHARD_2. */
async function personOnBothShards() {
  const own = await signupOn("SHARD_1");
  const host = await signupOn("SHARD_2");
  const team = await createTeam(host, "Analytics");
  const inv = await api("/invitations", { as: host, body: { email: own.user.email, role: "member", team_id: team.id } });
  expect(inv.status, inv.text).toBe(201);
  const joined = await accept(inv.json.token);
  return { own, host, team, joined, invitationId: inv.json.invitation.id as string };
}

describe("accounts with tenants on two shards", () => {
  it("an invitation is accepted by a person whose own workspace is on the other shard; members, sessions and teams follow", async () => {
    const { own, host, team, joined, invitationId } = await personOnBothShards();
    expect(joined.tenant.id).toBe(host.tenant.id);

    // The invitation and the membership are on the control database, the team membership on the host's shard.
    expect(await env.DB.prepare("SELECT accepted_at FROM invitations WHERE id = ?").bind(invitationId).first("accepted_at")).not.toBeNull();
    expect(await env.DB.prepare("SELECT role FROM tenant_members WHERE tenant_id = ? AND user_id = ?").bind(host.tenant.id, own.user.id).first("role")).toBe(
      "member",
    );
    for (const [name, d1] of Object.entries(databases)) {
      const n = await d1.prepare("SELECT count(*) AS n FROM team_members WHERE team_id = ? AND user_id = ?").bind(team.id, own.user.id).first("n");
      expect([name, n]).toEqual([name, name === "SHARD_2" ? 1 : 0]);
    }
    expect(await auditCounts(host.tenant.id, "invitation.created")).toEqual(onlyOnShard("SHARD_2"));
    expect(await auditCounts(host.tenant.id, "invitation.accepted")).toEqual(onlyOnShard("SHARD_2"));

    const members = (await api("/members", { as: host })).json.items as Array<{ user_id: string; teams: Array<{ id: string }> }>;
    expect(members.find((m) => m.user_id === own.user.id)?.teams.map((t) => t.id)).toEqual([team.id]);
    expect((await api("/me", { as: joined })).json.teams.map((t: { id: string }) => t.id)).toContain(team.id);
    // Their own workspace still answers, from its own shard.
    expect((await api("/me", { as: own })).json.tenant.id).toBe(own.tenant.id);

    // The host's sessions list (control) names the person; ending their session there is audited on the host's shard.
    const sessions = (await api("/sessions", { as: host })).json.items as Array<{ id: string; user: { id: string } }>;
    const theirs = sessions.find((s) => s.user.id === own.user.id)!;
    expect((await api(`/sessions/${theirs.id}`, { as: host, method: "DELETE" })).status).toBe(204);
    expect((await api("/me", { as: joined })).status).toBe(401);
    expect((await api("/me", { as: own })).status).toBe(200);
    expect(await auditCounts(host.tenant.id, "session.ended")).toEqual(onlyOnShard("SHARD_2"));
  });

  it("a second factor enrolled in one workspace is audited in each of the person's workspaces on its own shard, and signs in to either", async () => {
    const { own, host, joined } = await personOnBothShards();
    const { secret } = await enrolTotp(joined);
    expect(await auditCounts(own.tenant.id, "mfa.totp_enrolled")).toEqual(onlyOnShard("SHARD_1"));
    expect(await auditCounts(host.tenant.id, "mfa.totp_enrolled")).toEqual(onlyOnShard("SHARD_2"));
    // The factor itself is the person's, on the control database.
    for (const [name, d1] of Object.entries(databases))
      expect([name, await d1.prepare("SELECT count(*) AS n FROM user_totp WHERE user_id = ?").bind(own.user.id).first("n")]).toEqual([
        name,
        name === "DB" ? 1 : 0,
      ]);

    for (const tenant of [own.tenant, host.tenant]) {
      const first = await login(own.user.email, newAddress(), "correct horse battery", tenant.slug);
      expect(first.status, first.text).toBe(202);
      const done = await secondStep({ mfa_token: first.json.mfa_token, code: await codeFor(secret, tenant === own.tenant ? 0 : 1) });
      expect(done.status, done.text).toBe(200);
      expect((await api("/me", { as: done.session! })).json.tenant.id).toBe(tenant.id);
    }

    // Removing it (confirmed with the password) is audited in both workspaces too.
    const removed = await api("/me/mfa/totp", { as: joined, method: "DELETE", body: { password: "correct horse battery" } });
    expect(removed.status, removed.text).toBe(204);
    expect(await auditCounts(own.tenant.id, "mfa.totp_removed")).toEqual(onlyOnShard("SHARD_1"));
    expect(await auditCounts(host.tenant.id, "mfa.totp_removed")).toEqual(onlyOnShard("SHARD_2"));
  });

  it("a password reset ends the person's sessions everywhere and is audited on each workspace's shard", async () => {
    const { own, host, joined } = await personOnBothShards();
    await api("/auth/password-reset/request", { body: { email: own.user.email }, headers: { "cf-connecting-ip": newAddress() } });
    const token = await linkToken(own.user.email, "/reset-password/");
    const done = await api("/auth/password-reset", { body: { token, password: "a brand new password" } });
    expect(done.status, done.text).toBe(200);
    expect(done.json).toEqual({ sessions_ended: 2 });
    expect((await api("/me", { as: own })).status).toBe(401);
    expect((await api("/me", { as: joined })).status).toBe(401);
    expect(await auditCounts(own.tenant.id, "user.password_reset")).toEqual(onlyOnShard("SHARD_1"));
    expect(await auditCounts(host.tenant.id, "user.password_reset")).toEqual(onlyOnShard("SHARD_2"));
  });

  it("SSO just-in-time provisioning and SCIM provisioning work for a workspace on SHARD_2", async () => {
    const { owner, domain } = await on("SHARD_2", async () => {
      const w = await ssoWorkspace(issuer);
      return { ...w, tenantId: w.owner.tenant.id };
    });

    // A new person signs in through the provider: account and membership on control, audit on the workspace's shard.
    await setAccount(issuer, `jit@${domain}`, { email: `jit@${domain}`, email_verified: true, name: "Jit" });
    const jit = await ssoSignIn(`email=jit@${domain}`, `jit@${domain}`);
    expect(jit.tenant.id).toBe(owner.tenant.id);
    expect(await auditCounts(owner.tenant.id, "sso.signed_in")).toEqual(onlyOnShard("SHARD_2"));
    expect(await env.DB.prepare("SELECT count(*) AS n FROM sso_identities WHERE tenant_id = ?").bind(owner.tenant.id).first("n")).toBe(1);

    // SCIM: a token found on the control database, a user and a group whose team is on the workspace's shard.
    const token = (await api("/sso/scim-token", { as: owner, method: "POST" })).json.token as string;
    const scim = async (method: string, path: string, body?: unknown) => {
      const res = await workerFetch(`${BASE}/scim/v2${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/scim+json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : null };
    };
    const user = await scim("POST", "/Users", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: `scim@${domain}`, active: true });
    expect(user.status).toBe(201);
    const group = await scim("POST", "/Groups", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
      displayName: "Finance Analysts",
      members: [{ value: user.json.id }],
    });
    expect(group.status).toBe(201);
    const team = (await env.SHARD_2.prepare("SELECT id FROM teams WHERE tenant_id = ? AND name = 'Finance Analysts'")
      .bind(owner.tenant.id)
      .first<{ id: string }>())!;
    expect((await api(`/teams/${team.id}`, { as: owner })).status).toBe(200);
    const userId = (await env.DB.prepare("SELECT user_id FROM scim_users WHERE id = ?").bind(user.json.id).first<{ user_id: string }>())!.user_id;
    for (const [name, d1] of Object.entries(databases)) {
      const n = await d1.prepare("SELECT count(*) AS n FROM team_members WHERE team_id = ? AND user_id = ?").bind(team.id, userId).first("n");
      expect([name, n]).toEqual([name, name === "SHARD_2" ? 1 : 0]);
    }
    expect(await auditCounts(owner.tenant.id, "scim.group_created")).toEqual(onlyOnShard("SHARD_2"));

    // Deactivation: the membership goes (control), the team membership too (shard).
    const off = await scim("PATCH", `/Users/${user.json.id}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", value: { active: false } }],
    });
    expect(off.status).toBe(200);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM tenant_members WHERE tenant_id = ? AND user_id = ?").bind(owner.tenant.id, userId).first("n")).toBe(
      0,
    );
    expect(await env.SHARD_2.prepare("SELECT count(*) AS n FROM team_members WHERE team_id = ? AND user_id = ?").bind(team.id, userId).first("n")).toBe(0);
    expect(await auditCounts(owner.tenant.id, "scim.user_deactivated")).toEqual(onlyOnShard("SHARD_2"));
  });
});
