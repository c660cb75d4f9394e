import { createScheduledController, env } from "cloudflare:test";
import worker from "../../worker/index";
import { describe, expect, inject, it } from "vitest";
import { api, BASE, expectError, signup } from "../helpers/api";
import { addMember } from "../helpers/fixtures";
import { callback, loginAtProvider, setAccount, ssoError, ssoSignIn, ssoWorkspace, startSignIn, uniqueDomain } from "../helpers/sso";
import { tenantD1 } from "../helpers/tenant-db";

const issuer = inject("oidcIssuer");

async function auditActions(tenantId: string, action: string) {
  const { results } = await (await tenantD1(tenantId))
    .prepare("SELECT details FROM audit_log WHERE tenant_id = ? AND action = ? ORDER BY at")
    .bind(tenantId, action)
    .all<{ details: string }>();
  return results.map((r) => JSON.parse(r.details));
}

describe("SSO sign-in against a real OpenID provider", () => {
  it("signs a new person in through the provider's login page with PKCE, and provisions them with the default role", async () => {
    const { owner, domain } = await ssoWorkspace(issuer);
    const started = await startSignIn(`email=ana@${domain}`);
    expect(started.status).toBe(302);
    const authorize = new URL(started.location);
    expect(authorize.origin).toBe(issuer);
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("code_challenge")).toMatch(/^[\w-]{43}$/);
    expect(authorize.searchParams.get("nonce")).toBeTruthy();
    expect(authorize.searchParams.get("login_hint")).toBe(`ana@${domain}`);
    // Only the state's hash is stored.
    const state = authorize.searchParams.get("state")!;
    const row = await env.DB.prepare("SELECT state_hash FROM sso_logins WHERE tenant_id = ?").bind(owner.tenant.id).first<{ state_hash: string }>();
    expect(row?.state_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.state_hash).not.toBe(state);

    const back = await loginAtProvider(started.location, `ana@${domain}`);
    expect(back.startsWith(`${BASE}/api/v1/auth/sso/callback?`)).toBe(true);
    const done = await callback(back, started.stateCookie);
    expect(done.status).toBe(302);
    expect(done.location).toBe("/");
    expect(done.cookie).toMatch(/^tutti_session=/);

    const members = await api("/members", { as: owner });
    const ana = members.json.items.find((m: { email: string }) => m.email === `ana@${domain}`);
    expect(ana.role).toBe("member");
    const [audit] = await auditActions(owner.tenant.id, "sso.signed_in");
    expect(audit).toMatchObject({ email: `ana@${domain}`, provisioned: true, account_created: true, issuer });
    // The pending sign-in was used up.
    expect(await env.DB.prepare("SELECT count(*) AS n FROM sso_logins WHERE tenant_id = ?").bind(owner.tenant.id).first("n")).toBe(0);
    // Replaying the callback (the same code and state) signs nobody in.
    const replay = await callback(back, started.stateCookie);
    expect(ssoError(replay.location)).toMatch(/unknown, used or expired/);
  });

  it("a second sign-in finds the person by issuer and subject, not by e-mail, and creates nothing", async () => {
    const { owner, domain } = await ssoWorkspace(issuer);
    const first = await ssoSignIn(`email=bo@${domain}`, `bo@${domain}`);
    // The provider changes the person's address: Tutti still knows them by subject.
    await setAccount(issuer, `bo@${domain}`, { email: `robert@${domain}` });
    const again = await ssoSignIn(`tenant=${owner.tenant.slug}`, `bo@${domain}`);
    expect(again.user.id).toBe(first.user.id);
    const audits = await auditActions(owner.tenant.id, "sso.signed_in");
    expect(audits.map((a) => a.provisioned)).toEqual([true, false]);
  });

  it("the sign-in page's e-mail routes to the workspace that claimed its domain; other domains get a reason, not a redirect", async () => {
    const unclaimed = await startSignIn(`email=someone@${uniqueDomain()}`);
    expect(unclaimed.status).toBe(302);
    expect(ssoError(unclaimed.location)).toMatch(/not set up for this address/);
  });

  it("a callback whose state is not the browser's cookie, or is unknown, is refused", async () => {
    const { domain } = await ssoWorkspace(issuer);
    const a = await startSignIn(`email=cy@${domain}`);
    const b = await startSignIn(`email=cy@${domain}`);
    const backA = await loginAtProvider(a.location, `cy@${domain}`);
    // Another browser (b's cookie) cannot finish a's sign-in.
    expect(ssoError((await callback(backA, b.stateCookie)).location)).toMatch(/another browser/);
    // A state Tutti never issued, with a matching cookie, is unknown.
    const forged = new URL(backA);
    forged.searchParams.set("state", "forged-state");
    expect(ssoError((await callback(forged.href, "tutti_sso_state=forged-state")).location)).toMatch(/unknown, used or expired/);
  });

  it("the provider's key rotation is followed: a token signed by the new key verifies", async () => {
    const rotating = inject("oidcRotatingIssuer");
    const { domain } = await ssoWorkspace(rotating);
    const before = await ssoSignIn(`email=di@${domain}`, `di@${domain}`);
    const rotated = await fetch(`${rotating}/__rotate`, { method: "POST" });
    const { kid } = (await rotated.json()) as { kid: string };
    const started = await startSignIn(`email=di@${domain}`);
    const back = await loginAtProvider(started.location, `di@${domain}`);
    const done = await callback(back, started.stateCookie);
    expect(ssoError(done.location)).toBeNull();
    expect(done.cookie).toMatch(/^tutti_session=/);
    expect(kid).not.toBe("key-1");
    const me = await api("/me", { as: { ...before, cookie: done.cookie } });
    expect(me.json.user.id).toBe(before.user.id);
  });

  it("an address outside the workspace's domains is not provisioned, even when the provider vouches for it", async () => {
    const { domain } = await ssoWorkspace(issuer);
    await setAccount(issuer, `eve@${domain}`, { email: "eve@elsewhere.example" });
    const started = await startSignIn(`email=eve@${domain}`);
    const done = await callback(await loginAtProvider(started.location, `eve@${domain}`), started.stateCookie);
    expect(done.cookie).toBe("");
    expect(ssoError(done.location)).toMatch(/not in a domain this workspace/);
  });

  it("an address the provider marks unverified is not linked to an account", async () => {
    const { domain } = await ssoWorkspace(issuer);
    await setAccount(issuer, `fay@${domain}`, { email: `fay@${domain}`, email_verified: false });
    const started = await startSignIn(`email=fay@${domain}`);
    const done = await callback(await loginAtProvider(started.location, `fay@${domain}`), started.stateCookie);
    expect(ssoError(done.location)).toMatch(/not verified/);
  });

  it("a sign-in not finished within ten minutes is refused, and the hourly housekeeping deletes it", async () => {
    const { owner, domain } = await ssoWorkspace(issuer);
    const started = await startSignIn(`email=ivy@${domain}`);
    const back = await loginAtProvider(started.location, `ivy@${domain}`);
    await env.DB.prepare("UPDATE sso_logins SET expires_at = ? WHERE tenant_id = ?")
      .bind(Date.now() - 1000, owner.tenant.id)
      .run();
    const abandoned = await startSignIn(`email=ivy@${domain}`);
    expect(abandoned.status).toBe(302);
    await env.DB.prepare("UPDATE sso_logins SET expires_at = ? WHERE tenant_id = ? AND expires_at > ?")
      .bind(Date.now() - 1000, owner.tenant.id, Date.now())
      .run();
    expect(ssoError((await callback(back, started.stateCookie)).location)).toMatch(/unknown, used or expired/);
    await worker.scheduled!(createScheduledController({ scheduledTime: Date.now(), cron: "17 * * * *" }), env);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM sso_logins WHERE tenant_id = ?").bind(owner.tenant.id).first("n")).toBe(0);
  });

  it("return_to lands inside the dashboard only", async () => {
    const { domain } = await ssoWorkspace(issuer);
    for (const [returnTo, landing] of [
      ["/pipelines?x=1", "/pipelines?x=1"],
      ["//evil.example/", "/"],
      ["https://evil.example/", "/"],
    ]) {
      const started = await startSignIn(`email=gus@${domain}&return_to=${encodeURIComponent(returnTo)}`);
      const done = await callback(await loginAtProvider(started.location, `gus@${domain}`), started.stateCookie);
      expect(done.location).toBe(landing);
    }
  });
});

describe("SSO settings", () => {
  it("never return the client secret, and a new issuer needs the secret again", async () => {
    const { owner } = await ssoWorkspace(issuer);
    const settings = await api("/sso", { as: owner });
    expect(settings.status).toBe(200);
    expect(settings.json).toMatchObject({ issuer, client_secret_set: true, redirect_uri: `${BASE}/api/v1/auth/sso/callback` });
    expect(JSON.stringify(settings.json)).not.toMatch(/client_secret"\s*:\s*"/);
    const other = inject("oidcRotatingIssuer");
    const res = await api("/sso", { as: owner, method: "PATCH", body: { issuer: other } });
    expectError(res, 400, "validation_failed");
    expect(res.json.error.details[0].path).toBe("client_secret");
    const sealed = await env.DB.prepare("SELECT client_secret FROM sso_configs WHERE tenant_id = ?").bind(owner.tenant.id).first<{ client_secret: string }>();
    expect(JSON.parse(sealed!.client_secret)).toHaveProperty("ct");
  });

  it("refuse an issuer whose discovery fails, naming issuer", async () => {
    const owner = await signup();
    const res = await api("/sso", { as: owner, method: "PATCH", body: { issuer: `${issuer}/nowhere`, client_id: "x", client_secret: "y" } });
    expectError(res, 400, "validation_failed");
    expect(res.json.error.details[0].path).toBe("issuer");
  });

  it("a domain is claimed only by an owner whose proven address is at it, and by one workspace", async () => {
    const domain = uniqueDomain();
    const owner = await signup({ email: `boss@${domain}` });
    expectError(await api("/sso/domains", { as: owner, body: { domain: uniqueDomain() } }), 400, "validation_failed");
    expect((await api("/sso/domains", { as: owner, body: { domain } })).status).toBe(200);
    const rival = await signup({ email: `boss2@${domain}` });
    expectError(await api("/sso/domains", { as: rival, body: { domain } }), 409, "conflict");
  });

  it("only owners change SSO; admins may read it; members may not", async () => {
    const { owner } = await ssoWorkspace(issuer);
    const admin = await addMember(owner, "admin");
    expect((await api("/sso", { as: admin })).status).toBe(200);
    expectError(await api("/sso", { as: admin, method: "PATCH", body: { default_role: "viewer" } }), 403, "forbidden");
    const member = await addMember(owner, "member");
    expectError(await api("/sso", { as: member }), 403, "forbidden");
    expectError(await api("/sso", { as: member, method: "PATCH", body: { enforced: true } }), 403, "forbidden");
    expectError(await api("/sso/scim-token", { as: member, method: "POST" }), 403, "forbidden");
  });
});

describe("ID tokens that break a rule are refused", () => {
  const bad = inject("oidcMisbehavingIssuer");

  async function signInWith(flaw: string) {
    const { domain } = await ssoWorkspace(bad, { clientId: flaw, clientSecret: `secret-${flaw}` });
    const started = await startSignIn(`email=hal@${domain}`);
    const back = await fetch(started.location, { redirect: "manual" });
    return callback(back.headers.get("location")!, started.stateCookie);
  }

  it("the control: a correct token from the same provider signs in", async () => {
    const done = await signInWith("honest");
    expect(ssoError(done.location)).toBeNull();
    expect(done.cookie).toMatch(/^tutti_session=/);
  });

  for (const [flaw, reason] of [
    ["wrong-issuer", /iss/],
    ["wrong-audience", /aud/],
    ["expired", /exp|timestamp/],
    ["wrong-nonce", /nonce/],
    ["unknown-key", /key/],
  ] as const) {
    it(`${flaw}: no session`, async () => {
      const done = await signInWith(flaw);
      expect(done.cookie).toBe("");
      expect(ssoError(done.location)).toMatch(reason);
    });
  }
});
