import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createDb } from "../../worker/db/client";
import { createSession } from "../../worker/db/repo/accounts/users";
import { NO_PASSWORD } from "../../worker/lib/password";
import { api, expectError, signup, type Session } from "../helpers/api";
import { addMember, createToken, firstTeamId } from "../helpers/fixtures";
import { addPasskey, codeFor, enrolTotp, login, newAddress, secondStep } from "../helpers/mfa";
import { SoftAuthenticator } from "../helpers/soft-authenticator";
import { tenantD1 } from "../helpers/tenant-db";

const auditActions = async (tenantId: string, action: string) =>
  (
    await (
      await tenantD1(tenantId)
    )
      .prepare("SELECT details FROM audit_log WHERE tenant_id = ? AND action = ?")
      .bind(tenantId, action)
      .all<{ details: string }>()
  ).results.map((r) => JSON.parse(r.details));

// Authenticator-app codes belong to 30-second steps, and a test reads "this step", "the previous one" and "the next
// one" several times over. Date stands still in each test (the Worker shares this isolate, so it sees the same
// instant), so a step boundary can never fall between two of those reads. Timers and alarms keep real time.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("authenticator app (TOTP) enrolment", () => {
  it("checks codes by the Worker's clock, the one these tests pin: codes of an instant years ago are accepted", async () => {
    // Were the Worker reading another clock than the tests, the codes below would belong to the wrong step.
    // Years back rather than ahead: throttle windows shared with other tests must not fill with future attempts.
    vi.setSystemTime(Date.UTC(2021, 5, 1, 12, 0, 29, 999));
    const s = await signup();
    const { secret } = await enrolTotp(s);
    const pending = (await login(s.user.email)).json.mfa_token;
    expect((await secondStep({ mfa_token: pending, code: await codeFor(secret) })).status).toBe(200);
  });

  it("shows a secret and otpauth URI, is confirmed by a first valid code, and stores the secret sealed", async () => {
    const s = await signup();
    const started = await api("/me/mfa/totp", { as: s, method: "POST" });
    expect(started.status).toBe(201);
    expect(started.json.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(started.json.otpauth_uri).toContain(`secret=${started.json.secret}`);
    expect((await api("/me/mfa", { as: s })).json.totp).toBe("pending");
    // Not in use before it is confirmed: a password sign-in still needs nothing more.
    expect((await login(s.user.email)).status).toBe(200);

    expectError(
      await api("/me/mfa/totp/confirm", { as: s, body: { code: "000000" === (await codeFor(started.json.secret)) ? "111111" : "000000" } }),
      400,
      "validation_failed",
    );
    const confirmed = await api("/me/mfa/totp/confirm", { as: s, body: { code: await codeFor(started.json.secret) } });
    expect(confirmed.status).toBe(200);
    expect(confirmed.json.recovery_codes).toHaveLength(10);
    expect(new Set(confirmed.json.recovery_codes).size).toBe(10);
    const status = (await api("/me/mfa", { as: s })).json;
    expect(status).toMatchObject({ totp: "on", passkeys: [], recovery_codes_left: 10, required_by_workspace: false });

    const row = await env.DB.prepare("SELECT secret FROM user_totp WHERE user_id = ?").bind(s.user.id).first<{ secret: string }>();
    expect(row!.secret).not.toContain(started.json.secret);
    expect(Object.keys(JSON.parse(row!.secret)).sort()).toEqual(["ct", "iv", "v", "wk"]);
    const codes = await env.DB.prepare("SELECT code_hash FROM user_recovery_codes WHERE user_id = ?").bind(s.user.id).all<{ code_hash: string }>();
    expect(codes.results.map((r) => r.code_hash).join()).not.toContain(confirmed.json.recovery_codes[0].replace("-", ""));

    expectError(await api("/me/mfa/totp", { as: s, method: "POST" }), 409, "conflict");
    expect(await auditActions(s.tenant.id, "mfa.totp_enrolled")).toEqual([{ recovery_codes_issued: true }]);
  });

  it("API tokens cannot manage second factors", async () => {
    const s = await signup();
    const { token } = await createToken(s, await firstTeamId(s));
    expectError(await api("/me/mfa/totp", { as: token, method: "POST" }), 403, "forbidden");
    expectError(await api("/me/mfa", { as: token }), 403, "forbidden");
  });
});

describe("two-step password sign-in", () => {
  it("a right password gives a single-use pending sign-in, no session; a right code then signs in", async () => {
    const s = await signup();
    const { secret } = await enrolTotp(s);
    const first = await login(s.user.email);
    expect(first.status).toBe(202);
    expect(first.json.methods).toEqual(["totp", "recovery_code"]);
    expect(first.headers.get("set-cookie")).toBeNull();
    const done = await secondStep({ mfa_token: first.json.mfa_token, code: await codeFor(secret) });
    expect(done.status).toBe(200);
    expect((await api("/me", { as: done.session! })).json.user.id).toBe(s.user.id);
    // The pending sign-in is gone, even with the next (fresh) code.
    expectError(await secondStep({ mfa_token: first.json.mfa_token, code: await codeFor(secret, 1) }), 401, "unauthorized");
  });

  it("a wrong code and a replayed code are refused; an earlier code after a later one is refused too", async () => {
    const s = await signup();
    const { secret } = await enrolTotp(s);
    const pending = (await login(s.user.email)).json.mfa_token;
    const now = await codeFor(secret);
    const wrong = now === "123456" ? "654321" : "123456";
    expectError(await secondStep({ mfa_token: pending, code: wrong }), 401, "unauthorized");
    // The code used to confirm the app (the previous step) cannot be used again.
    expectError(await secondStep({ mfa_token: pending, code: await codeFor(secret, -1) }), 401, "unauthorized");
    expect((await secondStep({ mfa_token: pending, code: await codeFor(secret, 1) })).status).toBe(200);
    // The next step's code was used: this step's code, still inside the window, is now refused.
    const again = (await login(s.user.email)).json.mfa_token;
    expectError(await secondStep({ mfa_token: again, code: now }), 401, "unauthorized");
    expectError(await secondStep({ mfa_token: again, code: await codeFor(secret, 1) }), 401, "unauthorized");
  });

  it("a pending sign-in dies after five wrong codes, audited as a burst; further attempts are throttled like passwords", async () => {
    const s = await signup();
    const { secret } = await enrolTotp(s);
    const ip = newAddress();
    const pending = (await login(s.user.email, ip)).json.mfa_token;
    const right = await codeFor(secret, 1);
    const wrong = right === "123456" ? "654321" : "123456";
    for (let i = 0; i < 5; i++) expectError(await secondStep({ mfa_token: pending, code: wrong }, ip), 401, "unauthorized");
    expectError(await secondStep({ mfa_token: pending, code: right }, ip), 401, "unauthorized");
    expect(await auditActions(s.tenant.id, "mfa.sign_in_failures")).toEqual([{ failures: 5, last_method: "totp" }]);
    // The password again: a new pending sign-in, but the person's second-factor throttle remembers the failures.
    const next = (await login(s.user.email, ip)).json.mfa_token;
    expectError(await secondStep({ mfa_token: next, code: wrong }, ip), 401, "unauthorized");
    const refused = await secondStep({ mfa_token: next, code: right }, ip);
    expectError(refused, 429, "rate_limited");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("the same code sent twice at the same moment signs in once", async () => {
    const s = await signup();
    const { secret } = await enrolTotp(s);
    const code = await codeFor(secret);
    // Two copies of one pending sign-in, and two pending sign-ins racing with the same code.
    const pending = (await login(s.user.email)).json.mfa_token;
    const copies = await Promise.all([secondStep({ mfa_token: pending, code }), secondStep({ mfa_token: pending, code })]);
    expect(copies.map((r) => r.status).sort()).toEqual([200, 401]);
    const [a, b] = await Promise.all([login(s.user.email), login(s.user.email)]);
    const next = await codeFor(secret, 1);
    const racing = await Promise.all([secondStep({ mfa_token: a.json.mfa_token, code: next }), secondStep({ mfa_token: b.json.mfa_token, code: next })]);
    expect(racing.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it("a recovery code signs in once, is audited, and regenerating (with the password) replaces every code", async () => {
    const s = await signup();
    const { recoveryCodes } = await enrolTotp(s);
    const pending = (await login(s.user.email)).json.mfa_token;
    expect((await secondStep({ mfa_token: pending, recovery_code: recoveryCodes[0].toUpperCase() })).status).toBe(200);
    expect(await auditActions(s.tenant.id, "mfa.recovery_code_used")).toEqual([{ recovery_codes_left: 9 }]);
    expectError(await secondStep({ mfa_token: (await login(s.user.email)).json.mfa_token, recovery_code: recoveryCodes[0] }), 401, "unauthorized");
    expect((await api("/me/mfa", { as: s })).json.recovery_codes_left).toBe(9);

    expectError(await api("/me/mfa/recovery-codes", { as: s, body: { password: "not the password" } }), 400, "validation_failed");
    expectError(await api("/me/mfa/recovery-codes", { as: s, body: {} }), 400, "validation_failed");
    const fresh = await api("/me/mfa/recovery-codes", { as: s, body: { password: "correct horse battery" } });
    expect(fresh.status).toBe(200);
    expect(fresh.json.recovery_codes).toHaveLength(10);
    expectError(await secondStep({ mfa_token: (await login(s.user.email)).json.mfa_token, recovery_code: recoveryCodes[1] }), 401, "unauthorized");
    expect((await secondStep({ mfa_token: (await login(s.user.email)).json.mfa_token, recovery_code: fresh.json.recovery_codes[1] })).status).toBe(200);
  });

  it("the same recovery code sent twice at once works once", async () => {
    const s = await signup();
    const { recoveryCodes } = await enrolTotp(s);
    const [a, b] = await Promise.all([login(s.user.email), login(s.user.email)]);
    const both = await Promise.all([
      secondStep({ mfa_token: a.json.mfa_token, recovery_code: recoveryCodes[3] }),
      secondStep({ mfa_token: b.json.mfa_token, recovery_code: recoveryCodes[3] }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it("removing the authenticator app needs the password or a current code; recovery codes go with the last factor", async () => {
    const s = await signup();
    const { secret } = await enrolTotp(s);
    expectError(await api("/me/mfa/totp", { as: s, method: "DELETE", body: { password: "wrong password" } }), 400, "validation_failed");
    expect((await api("/me/mfa/totp", { as: s, method: "DELETE", body: { code: await codeFor(secret) } })).status).toBe(204);
    expect((await api("/me/mfa", { as: s })).json).toMatchObject({ totp: "off", recovery_codes_left: 0 });
    expect((await login(s.user.email)).status).toBe(200);
    expect(await auditActions(s.tenant.id, "mfa.totp_removed")).toHaveLength(1);
  });
});

describe("passkeys as a second factor", () => {
  it("registers with a single-use server-side challenge, lists, signs in and is removed", async () => {
    const s = await signup();
    const { authenticator, response, recoveryCodes } = await addPasskey(s, "Laptop");
    expect(recoveryCodes).toHaveLength(10);
    // The registration's challenge was used: the same answer again is refused.
    expectError(await api("/me/mfa/passkeys", { as: s, body: { name: "again", response } }), 400, "validation_failed");
    const listed = (await api("/me/mfa", { as: s })).json.passkeys;
    expect(listed).toEqual([expect.objectContaining({ id: authenticator.id, name: "Laptop", last_used_at: null })]);

    const first = await login(s.user.email);
    expect(first.json.methods).toEqual(["passkey", "recovery_code"]);
    const options = await api("/auth/mfa/passkey-options", { body: { mfa_token: first.json.mfa_token } });
    expect(options.status).toBe(200);
    expect(options.json.rpId).toBe("tutti.test");
    expect(options.json.allowCredentials).toEqual([expect.objectContaining({ id: authenticator.id })]);
    const assertion = await authenticator.authenticate(options.json);
    const done = await secondStep({ mfa_token: first.json.mfa_token, passkey: assertion });
    expect(done.status).toBe(200);
    // The assertion cannot be replayed on another pending sign-in (its challenge was another).
    const other = (await login(s.user.email)).json.mfa_token;
    await api("/auth/mfa/passkey-options", { body: { mfa_token: other } });
    expectError(await secondStep({ mfa_token: other, passkey: assertion }), 401, "unauthorized");
    expect((await api("/me/mfa", { as: s })).json.passkeys[0].last_used_at).not.toBeNull();

    expectError(await api(`/me/mfa/passkeys/${authenticator.id}`, { as: s, method: "DELETE", body: { password: "wrong password" } }), 400, "validation_failed");
    expect((await api(`/me/mfa/passkeys/${authenticator.id}`, { as: s, method: "DELETE", body: { password: "correct horse battery" } })).status).toBe(204);
    expect((await api("/me/mfa", { as: s })).json).toMatchObject({ passkeys: [], recovery_codes_left: 0 });
    expect(await auditActions(s.tenant.id, "mfa.passkey_removed")).toHaveLength(1);
  });

  it("a passkey registration answered for another origin is refused", async () => {
    const s = await signup();
    const options = await api("/me/mfa/passkeys/options", { as: s, method: "POST" });
    const phishing = await SoftAuthenticator.create("https://tutti.evil.test");
    const res = await api("/me/mfa/passkeys", { as: s, body: { name: "x", response: await phishing.register({ ...options.json, rp: { id: "tutti.test" } }) } });
    expectError(res, 400, "validation_failed");
    expect((await api("/me/mfa", { as: s })).json.passkeys).toEqual([]);
  });
});

describe("nobody else can touch your factors", () => {
  it("another person cannot remove your passkey, use your pending sign-in with their code or passkey, or see your factors", async () => {
    const alice = await signup();
    const mallory = await signup();
    const { authenticator } = await addPasskey(alice);
    const { secret: mallorySecret, authenticator: malloryKey } = { ...(await enrolTotp(mallory)), ...(await addPasskey(mallory)) };
    expectError(
      await api(`/me/mfa/passkeys/${authenticator.id}`, { as: mallory, method: "DELETE", body: { password: "correct horse battery" } }),
      404,
      "not_found",
    );
    expect((await api("/me/mfa", { as: mallory })).json.passkeys.map((p: any) => p.id)).not.toContain(authenticator.id);

    const pending = (await login(alice.user.email)).json.mfa_token;
    expectError(await secondStep({ mfa_token: pending, code: await codeFor(mallorySecret) }), 401, "unauthorized");
    const options = (await api("/auth/mfa/passkey-options", { body: { mfa_token: pending } })).json;
    expectError(await secondStep({ mfa_token: pending, passkey: await malloryKey.authenticate(options) }), 401, "unauthorized");
    expect((await api("/me/mfa", { as: alice })).json.passkeys).toHaveLength(1);
  });

  it("a passkey registration challenge of another person cannot be used", async () => {
    const alice = await signup();
    const mallory = await signup();
    const options = await api("/me/mfa/passkeys/options", { as: alice, method: "POST" });
    const key = await SoftAuthenticator.create("https://tutti.test");
    expectError(await api("/me/mfa/passkeys", { as: mallory, body: { name: "x", response: await key.register(options.json) } }), 400, "validation_failed");
  });
});

describe("re-authentication without a password (single sign-on accounts)", () => {
  /** A person whose account has no password, as single sign-on or SCIM provisions it, signed in through SSO. */
  async function ssoOnlyAccount(): Promise<Session> {
    const s = await signup();
    await env.DB.prepare("UPDATE users SET password_hash = ?, password_salt = ?, password_iterations = ? WHERE id = ?")
      .bind(NO_PASSWORD.hash, NO_PASSWORD.salt, NO_PASSWORD.iterations, s.user.id)
      .run();
    const sso = await createSession(createDb(env.DB), s.tenant.id, s.user.id, null, Date.now(), "sso");
    return { ...s, cookie: `tutti_session=${sso.rawId}`, csrf: sso.csrfToken };
  }
  const fieldOf = (res: { json: any }) => res.json.error.details[0].path;

  it("an account without a password says so and confirms changes with a current code; a wrong or replayed code is refused", async () => {
    expect((await api("/me/mfa", { as: await signup() })).json.has_password).toBe(true);
    const s = await ssoOnlyAccount();
    const { secret } = await enrolTotp(s);
    expect((await api("/me/mfa", { as: s })).json.has_password).toBe(false);

    const withPassword = await api("/me/mfa/recovery-codes", { as: s, body: { password: "anything at all" } });
    expectError(withPassword, 400, "validation_failed");
    expect(withPassword.json.error.message).toMatch(/no password/);
    const now = await codeFor(secret);
    const wrong = await api("/me/mfa/recovery-codes", { as: s, body: { code: now === "123456" ? "654321" : "123456" } });
    expectError(wrong, 400, "validation_failed");
    expect(fieldOf(wrong)).toBe("code");
    expect((await api("/me/mfa/recovery-codes", { as: s, body: { code: now } })).status).toBe(200);
    const replayed = await api("/me/mfa/recovery-codes", { as: s, body: { code: now } });
    expectError(replayed, 400, "validation_failed");
    expect(fieldOf(replayed)).toBe("code");
    expectError(await api("/me/mfa/recovery-codes", { as: s, body: { code: now, password: "x" } }), 400, "validation_failed");
  });

  it("a passkey confirms a change once: the same assertion again, or one for another person's challenge, is refused", async () => {
    const s = await ssoOnlyAccount();
    expectError(await api("/me/mfa/reauth/passkey-options", { as: s, method: "POST" }), 404, "not_found");
    const { authenticator } = await addPasskey(s, "Only key");
    const options = await api("/me/mfa/reauth/passkey-options", { as: s, method: "POST" });
    expect(options.status).toBe(200);
    expect(options.json.allowCredentials).toEqual([expect.objectContaining({ id: authenticator.id })]);
    const assertion = await authenticator.authenticate(options.json);
    expect((await api("/me/mfa/recovery-codes", { as: s, body: { passkey: assertion } })).status).toBe(200);
    const replayed = await api("/me/mfa/recovery-codes", { as: s, body: { passkey: assertion } });
    expectError(replayed, 400, "validation_failed");
    expect(fieldOf(replayed)).toBe("passkey");

    // A challenge given to someone else, and a sign-in's challenge, do not confirm this person's change.
    const mallory = await signup();
    await addPasskey(mallory);
    const theirs = (await api("/me/mfa/reauth/passkey-options", { as: mallory, method: "POST" })).json;
    expectError(
      await api(`/me/mfa/passkeys/${authenticator.id}`, { as: s, method: "DELETE", body: { passkey: await authenticator.authenticate(theirs) } }),
      400,
      "validation_failed",
    );
    expect((await api("/me/mfa", { as: s })).json.passkeys).toHaveLength(1);

    const fresh = (await api("/me/mfa/reauth/passkey-options", { as: s, method: "POST" })).json;
    expect(
      (await api(`/me/mfa/passkeys/${authenticator.id}`, { as: s, method: "DELETE", body: { passkey: await authenticator.authenticate(fresh) } })).status,
    ).toBe(204);
    expect((await api("/me/mfa", { as: s })).json).toMatchObject({ passkeys: [], recovery_codes_left: 0 });
  });

  it("a recovery code confirms a change once and is audited, for when the device is lost", async () => {
    const s = await ssoOnlyAccount();
    const { recoveryCodes } = await enrolTotp(s);
    const { authenticator } = await addPasskey(s, "Lost phone");
    expect((await api(`/me/mfa/passkeys/${authenticator.id}`, { as: s, method: "DELETE", body: { recovery_code: recoveryCodes[0] } })).status).toBe(204);
    const used = await api("/me/mfa/totp", { as: s, method: "DELETE", body: { recovery_code: recoveryCodes[0] } });
    expectError(used, 400, "validation_failed");
    expect(fieldOf(used)).toBe("recovery_code");
    expect((await api("/me/mfa", { as: s })).json.totp).toBe("on");
    expect((await api("/me/mfa/totp", { as: s, method: "DELETE", body: { recovery_code: recoveryCodes[1] } })).status).toBe(204);
    expect(await auditActions(s.tenant.id, "mfa.recovery_code_used")).toEqual([
      { recovery_codes_left: 9, to: "reauthenticate" },
      { recovery_codes_left: 8, to: "reauthenticate" },
    ]);
  });
});

describe("workspaces requiring MFA", () => {
  async function requiringWorkspace() {
    const owner = await signup();
    expectError(await api("/workspace/mfa", { as: owner, method: "PUT", body: { required: true } }), 409, "conflict");
    await enrolTotp(owner);
    const teamId = await firstTeamId(owner);
    const member = await addMember(owner, "member", { teamId });
    // The member's own token, made before the requirement: tokens are never held to it.
    const { token } = await createToken(member, teamId);
    const admin = await addMember(owner, "admin");
    expectError(await api("/workspace/mfa", { as: admin, method: "PUT", body: { required: true } }), 403, "forbidden");
    expect((await api("/workspace/mfa", { as: owner, method: "PUT", body: { required: true } })).json).toEqual({ required: true });
    return { owner, member, token };
  }

  it("a member without a second factor gets 403 mfa_required until they set one up; API tokens are unaffected", async () => {
    const { owner, member, token } = await requiringWorkspace();
    expectError(await api("/teams", { as: member }), 403, "mfa_required");
    expectError(await api("/teams", { as: member, body: { name: "Blocked" } }), 403, "mfa_required");
    const me = await api("/me", { as: member });
    expect(me.status).toBe(200);
    expect(me.json.mfa_setup_required).toBe(true);
    expect((await api("/me/mfa", { as: member })).json.required_by_workspace).toBe(true);
    expect((await api("/teams", { as: token })).status).toBe(200);
    expect((await api("/teams", { as: owner })).status).toBe(200);

    await enrolTotp(member);
    expect((await api("/teams", { as: member })).status).toBe(200);
    expect((await api("/me", { as: member })).json.mfa_setup_required).toBe(false);
    expect(await auditActions(owner.tenant.id, "mfa.requirement_changed")).toEqual([{ required: true }]);
  });

  it("single sign-on sessions are exempt: the identity provider does MFA", async () => {
    const { member } = await requiringWorkspace();
    const sso = await createSession(createDb(env.DB), member.tenant.id, member.user.id, null, Date.now(), "sso");
    const ssoSession: Session = { ...member, cookie: `tutti_session=${sso.rawId}`, csrf: sso.csrfToken };
    expect((await api("/teams", { as: ssoSession })).status).toBe(200);
    expectError(await api("/teams", { as: member }), 403, "mfa_required");
  });

  it("the requirement is the workspace's: the same person in another workspace is not held to it", async () => {
    const { member } = await requiringWorkspace();
    const own = await signup({ email: member.user.email });
    expect((await api("/teams", { as: own })).status).toBe(200);
  });
});

describe("every password path asks for the second factor", () => {
  it("accepting an invitation with an existing account that has MFA answers 202 with a pending sign-in", async () => {
    const owner = await signup();
    const person = await signup();
    const { secret } = await enrolTotp(person);
    const inv = await api("/invitations", { as: owner, body: { email: person.user.email, role: "member" } });
    const accepted = await api("/invitations/accept", {
      body: { token: inv.json.token, password: "correct horse battery" },
      headers: { "cf-connecting-ip": newAddress() },
    });
    expect(accepted.status, accepted.text).toBe(202);
    expect(accepted.headers.get("set-cookie")).toBeNull();
    const done = await secondStep({ mfa_token: accepted.json.mfa_token, code: await codeFor(secret) });
    expect(done.session!.tenant.id).toBe(owner.tenant.id);
  });
});
