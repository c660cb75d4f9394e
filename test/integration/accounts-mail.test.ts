import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { sha256Hex } from "../../worker/lib/hash";
import { api, expectError, linkToken, mailTo, signup, verifySignup, type Session } from "../helpers/api";
import { addMember, firstTeamId } from "../helpers/fixtures";
import { holdStatements } from "../helpers/in-flight";

let address = 0;
/** Each test asks from its own client address, so the per-address limits of other tests never interfere. */
const newAddress = () => `10.78.${Math.floor(address / 250)}.${(address++ % 250) + 1}`;
let n = 0;
const fresh = (label: string) => `${label}-${Date.now().toString(36)}-${n++}@example.com`;

const HOUR = 3_600_000;

function signupAs(email: string, password: string, tenantName: string, ip = newAddress()) {
  return api("/auth/signup", { body: { email, password, name: "Someone", tenant_name: tenantName }, headers: { "cf-connecting-ip": ip } });
}

const requestReset = (email: string, ip = newAddress()) => api("/auth/password-reset/request", { body: { email }, headers: { "cf-connecting-ip": ip } });

const tokenRow = (token: string) =>
  sha256Hex(token).then((hash) =>
    env.DB.prepare("SELECT purpose, email, expires_at, consumed_at, created_at FROM email_tokens WHERE token_hash = ?")
      .bind(hash)
      .first<{ purpose: string; email: string; expires_at: number; consumed_at: number | null; created_at: number }>(),
  );

/** Moves a link's expiry, as if the clock had moved past (or up to) it, without waiting. */
const expireAt = async (token: string, at: number) =>
  env.DB.prepare("UPDATE email_tokens SET expires_at = ? WHERE token_hash = ?")
    .bind(at, await sha256Hex(token))
    .run();

const login = (email: string, password: string) => api("/auth/login", { body: { email, password }, headers: { "cf-connecting-ip": newAddress() } });

describe("sign-up never tells whether an address is registered", () => {
  it("a registered address gets the same status and body as a new one, and its owner a notice instead of a link", async () => {
    const owner = await signup({ password: "my own password" });
    const newcomer = fresh("newcomer");
    const knownTenant = `Squat ${owner.tenant.slug}`;
    const derive = vi.spyOn(crypto.subtle, "deriveBits");
    const asNew = await signupAs(newcomer, "a guessed password", `New ${owner.tenant.slug}`);
    const [verify] = await mailTo(newcomer);
    const afterNew = derive.mock.calls.length;
    const asKnown = await signupAs(owner.user.email, "a guessed password", knownTenant);
    // The owner's second mail, after the one of their own sign-up.
    const [notice] = await mailTo(owner.user.email, 2);
    const afterKnown = derive.mock.calls.length - afterNew;
    derive.mockRestore();

    expect(asNew.status).toBe(202);
    expect(asKnown.status).toBe(202);
    // The body echoes the address it was given; with that swapped, the two answers are identical.
    expect(asKnown.text.replaceAll(owner.user.email, "ADDRESS")).toBe(asNew.text.replaceAll(newcomer, "ADDRESS"));
    expect(asKnown.headers.get("set-cookie")).toBeNull();
    // Each path does one PBKDF2 derivation (after the answer: see the next test), so the load does not tell them apart.
    expect(afterNew).toBe(1);
    expect(afterKnown).toBe(1);

    expect(notice.subject).toBe("Someone tried to sign up to Tutti with your address");
    expect(notice.text).toContain("/forgot-password");
    expect(notice.text).not.toMatch(/\/verify\//);
    expect(await env.DB.prepare("SELECT id FROM tenants WHERE name = ?").bind(knownTenant).first()).toBeNull();
    expect(verify.subject).toContain("Confirm your e-mail");
    // Nothing exists for the new address until its link is used.
    expect(await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(newcomer).first()).toBeNull();
  });

  it("sign-up and password-reset answer before anything that depends on the address is done, so their time cannot tell", async () => {
    const owner = await signup({ password: "my own password" });
    const [newcomer, nobody] = [fresh("held"), fresh("held-nobody")];
    // Every path ends by mailing; while those mails are held, the answers must still come.
    const mailing = holdStatements(/insert into "?dev_outbox/i, 10_000);
    try {
      const answers = await Promise.all([
        signupAs(newcomer, "a guessed password", `Held ${owner.tenant.slug}`),
        signupAs(owner.user.email, "a guessed password", `Held again ${owner.tenant.slug}`),
        requestReset(owner.user.email),
        requestReset(nobody),
      ]);
      expect(mailing.expired(), "an answer waited for its mail").toBe(false);
      expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202]);
      mailing.release();
    } finally {
      mailing.restore();
    }
    // Then the mails go out: the link, the notice and the reset link, and the note that no account uses the address.
    expect((await mailTo(newcomer))[0].subject).toContain("Confirm your e-mail");
    expect((await mailTo(owner.user.email, 3)).map((m) => m.subject).sort()).toEqual([
      expect.stringContaining("Confirm your e-mail"),
      "Reset your Tutti password",
      "Someone tried to sign up to Tutti with your address",
    ]);
    expect((await mailTo(nobody))[0].subject).toBe("Tutti password reset: no account uses this address");
  });

  it("a registered address with its own password gets a link that adds the workspace to that account", async () => {
    const owner = await signup({ password: "my own password" });
    const second = `Second ${owner.tenant.slug}`;
    expect((await signupAs(owner.user.email, "my own password", second)).status).toBe(202);
    // Its second mail, after the one of its own sign-up (whose link is used).
    const session = await verifySignup(await linkToken(owner.user.email, "/verify/", { mails: 2 }));
    expect(session.user).toEqual(owner.user);
    expect(session.tenant).toMatchObject({ name: second, role: "owner" });
    // The account keeps its password and now has both workspaces.
    const both = await api("/auth/login", { body: { email: owner.user.email, password: "my own password", tenant: session.tenant.slug } });
    expect(both.status).toBe(200);
  });

  it("mails per address are limited alike for registered and unknown addresses", async () => {
    const owner = await signup();
    const unknown = fresh("unknown");
    const answers = async (email: string) => {
      const out: string[] = [];
      // The suite's sign-up used one of the registered address's five; the unknown one gets a sign-up to match.
      if (email === unknown) await signupAs(email, "correct horse battery", `Pad ${owner.tenant.slug}`);
      for (let i = 0; i < 5; i++) {
        const res = await requestReset(email);
        out.push(`${res.status} ${res.status === 429 ? res.json.error.message : res.text.replaceAll(email, "ADDRESS")}`);
      }
      return out;
    };
    const known = await answers(owner.user.email);
    expect(known.map((a) => a.slice(0, 3))).toEqual(["202", "202", "202", "202", "429"]);
    expect(await answers(unknown)).toEqual(known);
  });
});

describe("sign-up links", () => {
  it("are stored only as a hash, work once even when used twice at the same moment, and for 24 hours", async () => {
    const email = fresh("verify");
    await signupAs(email, "correct horse battery", `Verify ${email.slice(7, 20)}`);
    const token = await linkToken(email, "/verify/");
    const row = (await tokenRow(token))!;
    expect(row).toMatchObject({ purpose: "signup", email, consumed_at: null });
    expect(row.expires_at - row.created_at).toBe(24 * HOUR);
    const { results } = await env.DB.prepare("SELECT * FROM email_tokens WHERE email = ?").bind(email).all();
    expect(JSON.stringify(results)).not.toContain(token);

    const [a, b] = await Promise.all([api("/auth/verify", { body: { token } }), api("/auth/verify", { body: { token } })]);
    expect([a.status, b.status].sort()).toEqual([201, 404]);
    expectError([a, b].find((r) => r.status === 404)!, 404, "not_found");
    const { results: tenants } = await env.DB.prepare(
      "SELECT t.id FROM tenants t JOIN tenant_members m ON m.tenant_id = t.id JOIN users u ON u.id = m.user_id WHERE u.email = ?",
    )
      .bind(email)
      .all();
    expect(tenants).toHaveLength(1);
    expectError(await api("/auth/verify", { body: { token } }), 404, "not_found");
  });

  it("expire after 24 hours", async () => {
    const email = fresh("late");
    await signupAs(email, "correct horse battery", `Late ${email.slice(5, 18)}`);
    const token = await linkToken(email, "/verify/");
    await expireAt(token, Date.now() - 1);
    expectError(await api("/auth/verify", { body: { token } }), 404, "not_found");
    expect(await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(email).first()).toBeNull();
    // A minute before the end it still works.
    await env.DB.prepare("UPDATE email_tokens SET expires_at = ? WHERE email = ?")
      .bind(Date.now() + 60_000, email)
      .run();
    expect((await api("/auth/verify", { body: { token } })).status).toBe(201);
  });

  it("a workspace slug taken between sign-up and link is a conflict, and nothing is created", async () => {
    const email = fresh("slug");
    const name = `Raced ${email.slice(5, 18)}`;
    const otherEmail = fresh("other");
    await signupAs(email, "correct horse battery", name);
    await signupAs(otherEmail, "correct horse battery", name);
    // Their links are stored just before they are mailed.
    await Promise.all([mailTo(email), mailTo(otherEmail)]);
    // Both links are out; the other one is used first.
    const [, other] = await env.DB.prepare("SELECT email FROM email_tokens WHERE json_extract(signup, '$.tenantName') = ? ORDER BY created_at")
      .bind(name)
      .all<{ email: string }>()
      .then((r) => r.results);
    await verifySignup(await linkToken(other.email, "/verify/"));
    const late = await api("/auth/verify", { body: { token: await linkToken(email, "/verify/") } });
    expectError(late, 409, "conflict");
    expect(late.json.error.details[0].path).toBe("tenant_slug");
    expect(await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(email).first()).toBeNull();
  });
});

describe("password reset", () => {
  it("answers a registered and an unknown address alike; the unknown one is told no account uses it", async () => {
    const owner = await signup();
    const unknown = fresh("nobody");
    const known = await requestReset(owner.user.email);
    const other = await requestReset(unknown);
    expect(known.status).toBe(202);
    expect(other.status).toBe(202);
    expect(other.text.replaceAll(unknown, "ADDRESS")).toBe(known.text.replaceAll(owner.user.email, "ADDRESS"));
    expect((await mailTo(owner.user.email, 2))[0].subject).toBe("Reset your Tutti password");
    const [note] = await mailTo(unknown);
    expect(note.subject).toBe("Tutti password reset: no account uses this address");
    expect(note.text).not.toContain("/reset-password/");
  });

  it("sets the new password and ends every session of the person in every workspace, and no one else's", async () => {
    const owner = await signup({ password: "the old password" });
    const colleague = await addMember(owner, "member", { teamId: await firstTeamId(owner) });
    const elsewhere = await signup();
    const inv = await api("/invitations", { as: elsewhere, body: { email: owner.user.email, role: "member" } });
    const joined = await api("/invitations/accept", { body: { token: inv.json.token, password: "the old password" } });
    expect(joined.status).toBe(200);

    await requestReset(owner.user.email);
    const token = await linkToken(owner.user.email, "/reset-password/");
    const row = (await tokenRow(token))!;
    expect(row.expires_at - row.created_at).toBe(HOUR);
    const done = await api("/auth/password-reset", { body: { token, password: "a brand new password" } });
    expect(done.status).toBe(200);
    expect(done.json).toEqual({ sessions_ended: 2 });

    expectError(await api("/me", { as: owner }), 401, "unauthorized");
    expect(await env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE user_id = ?").bind(owner.user.id).first("n")).toBe(0);
    expect((await api("/me", { as: colleague })).status).toBe(200);
    expectError(await login(owner.user.email, "the old password"), 401, "unauthorized");
    expect((await login(owner.user.email, "a brand new password")).status).toBe(200);
    const audit = await api("/audit-log?action=user.password_reset", { as: elsewhere });
    expect(audit.json.items).toEqual([expect.objectContaining({ target: { type: "user", id: owner.user.id } })]);
  });

  it("links are hashed, work once even when used twice at the same moment, and a new password voids the other links", async () => {
    const owner = await signup();
    await requestReset(owner.user.email);
    const first = await linkToken(owner.user.email, "/reset-password/");
    await requestReset(owner.user.email);
    const second = await linkToken(owner.user.email, "/reset-password/", { mails: 3 });
    expect(second).not.toBe(first);
    const { results } = await env.DB.prepare("SELECT * FROM email_tokens WHERE email = ?").bind(owner.user.email).all();
    expect(JSON.stringify(results)).not.toContain(first);
    expect(JSON.stringify(results)).not.toContain(second);

    const [a, b] = await Promise.all(
      ["first new password", "second new password"].map((password) => api("/auth/password-reset", { body: { token: second, password } })),
    );
    expect([a.status, b.status].sort()).toEqual([200, 404]);
    const winner = a.status === 200 ? "first new password" : "second new password";
    expect((await login(owner.user.email, winner)).status).toBe(200);
    // The older link was retired by the reset.
    expectError(await api("/auth/password-reset", { body: { token: first, password: "yet another password" } }), 404, "not_found");
    expect((await login(owner.user.email, winner)).status).toBe(200);
  });

  it("links expire after one hour", async () => {
    const owner = await signup({ password: "the old password" });
    await requestReset(owner.user.email);
    const token = await linkToken(owner.user.email, "/reset-password/");
    await expireAt(token, Date.now() - 1);
    expectError(await api("/auth/password-reset", { body: { token, password: "a brand new password" } }), 404, "not_found");
    expect((await api("/me", { as: owner })).status).toBe(200);
    expect((await login(owner.user.email, "the old password")).status).toBe(200);
  });

  it("a sign-up link is no reset link, nor the other way round", async () => {
    const owner = await signup();
    const email = fresh("mixed");
    await signupAs(email, "correct horse battery", `Mixed ${email.slice(6, 19)}`);
    expectError(await api("/auth/password-reset", { body: { token: await linkToken(email, "/verify/"), password: "a brand new password" } }), 404, "not_found");
    await requestReset(owner.user.email);
    expectError(await api("/auth/verify", { body: { token: await linkToken(owner.user.email, "/reset-password/") } }), 404, "not_found");
  });

  it("a new password must follow the password rules", async () => {
    const bad = await api("/auth/password-reset", { body: { token: "x".repeat(40), password: "short" } });
    expectError(bad, 400, "validation_failed");
    expect(bad.json.error.details[0].path).toBe("password");
  });
});

describe("invitations by e-mail", () => {
  it("the invitee gets a mail with the same link the response shows", async () => {
    const owner: Session = await signup({ tenant_name: `Mailing ${Date.now().toString(36)}` });
    const invitee = fresh("invitee");
    const inv = await api("/invitations", { as: owner, body: { email: invitee, role: "member" } });
    expect(inv.status).toBe(201);
    expect(inv.json.mail).toBe("captured");
    const [mail] = await mailTo(invitee);
    expect(mail.subject).toBe(`${owner.user.name} invited you to ${owner.tenant.name} on Tutti`);
    expect(mail.text).toContain(inv.json.url);
    expect(mail.html).toContain(inv.json.url);
  });
});
