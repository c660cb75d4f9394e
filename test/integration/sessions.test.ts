import { createScheduledController, env } from "cloudflare:test";
import { workerFetch } from "../helpers/worker-fetch";
import { describe, expect, it } from "vitest";
import worker from "../../worker/index";
import { sha256Hex } from "../../worker/lib/hash";
import { SESSION_IDLE_MS } from "../../worker/lib/session-cookie";
import { api, BASE, cookieFrom, expectError, signup, type Session } from "../helpers/api";
import { addMember, createToken, firstTeamId } from "../helpers/fixtures";

const idHashOf = async (s: Session) => sha256Hex(s.cookie.replace(/^tutti_session=/, ""));

const sessionRow = async (s: Session) =>
  env.DB.prepare("SELECT last_seen_at, expires_at FROM sessions WHERE id_hash = ?")
    .bind(await idHashOf(s))
    .first<{ last_seen_at: number; expires_at: number }>();

async function setSession(s: Session, column: "last_seen_at" | "expires_at", value: number) {
  await env.DB.prepare(`UPDATE sessions SET ${column} = ? WHERE id_hash = ?`)
    .bind(value, await idHashOf(s))
    .run();
}

/** A second session for the same person, as from another browser. */
async function loginAgain(s: Session, password = "correct horse battery", tenant?: string): Promise<Session> {
  const res = await workerFetch(`${BASE}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: s.user.email, password, ...(tenant ? { tenant } : {}) }),
  });
  const json: any = await res.json();
  if (res.status !== 200) throw new Error(`login: ${res.status} ${JSON.stringify(json)}`);
  return { cookie: cookieFrom(res.headers), csrf: json.csrf_token, user: json.user, tenant: json.tenant };
}

describe("session lifetime", () => {
  it("a session unused for the idle timeout ends, and is deleted when next presented", async () => {
    const s = await signup();
    expect((await api("/me", { as: s })).status).toBe(200);
    await setSession(s, "last_seen_at", Date.now() - SESSION_IDLE_MS - 1000);
    expectError(await api("/me", { as: s }), 401, "unauthorized");
    expect(await sessionRow(s)).toBeNull();
  });

  it("each use slides the idle timeout, written at most once a minute", async () => {
    const s = await signup();
    const recent = Date.now() - 30_000;
    await setSession(s, "last_seen_at", recent);
    expect((await api("/me", { as: s })).status).toBe(200);
    expect((await sessionRow(s))!.last_seen_at).toBe(recent);

    // Used again after most of the idle timeout: it slides forward and the session lives on.
    const almostIdle = Date.now() - SESSION_IDLE_MS + 60_000;
    await setSession(s, "last_seen_at", almostIdle);
    expect((await api("/me", { as: s })).status).toBe(200);
    expect((await sessionRow(s))!.last_seen_at).toBeGreaterThan(almostIdle + 30_000);
  });

  it("the absolute lifetime ends even a busy session", async () => {
    const s = await signup();
    await setSession(s, "expires_at", Date.now() - 1000);
    expectError(await api("/me", { as: s }), 401, "unauthorized");
    expect(await sessionRow(s)).toBeNull();
  });

  it("the hourly housekeeping deletes ended sessions and stale login throttles, and keeps live ones", async () => {
    const live = await signup();
    const idle = await signup();
    const expired = await signup();
    await setSession(idle, "last_seen_at", Date.now() - SESSION_IDLE_MS - 1000);
    await setSession(expired, "expires_at", Date.now() - 1000);
    const staleKey = `login:account:stale-${live.tenant.slug}@example.com`;
    const freshKey = `login:account:fresh-${live.tenant.slug}@example.com`;
    const insert = env.DB.prepare("INSERT INTO login_throttle (key, attempts, next_at, last_at) VALUES (?, 3, ?, ?)");
    await insert.bind(staleKey, Date.now() - 2 * 86_400_000, Date.now() - 2 * 86_400_000).run();
    await insert.bind(freshKey, Date.now(), Date.now()).run();

    await worker.scheduled!(createScheduledController({ scheduledTime: Date.now(), cron: "17 * * * *" }), env);

    expect(await sessionRow(live)).not.toBeNull();
    expect(await sessionRow(idle)).toBeNull();
    expect(await sessionRow(expired)).toBeNull();
    const keys = await env.DB.prepare("SELECT key FROM login_throttle WHERE key IN (?, ?)").bind(staleKey, freshKey).all<{ key: string }>();
    expect(keys.results.map((r) => r.key)).toEqual([freshKey]);
  });
});

describe("sign out everywhere", () => {
  it("ends every session of the person in every workspace, and no one else's; their tokens keep working", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const member = await addMember(owner, "member", { teamId });
    const otherBrowser = await loginAgain(owner);
    // The same person in a second workspace.
    const elsewhere = await signup();
    const inv = await api("/invitations", { as: elsewhere, body: { email: owner.user.email, role: "member" } });
    const joined = await api("/invitations/accept", { body: { token: inv.json.token, password: "correct horse battery" } });
    expect(joined.status).toBe(200);
    const inSecondWorkspace: Session = { cookie: cookieFrom(joined.headers), csrf: joined.json.csrf_token, user: joined.json.user, tenant: joined.json.tenant };
    const token = await createToken(owner, teamId);

    const res = await api("/me/sign-out-everywhere", { as: owner, method: "POST" });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ sessions_ended: 3, tokens_revoked: 0 });
    expect(res.headers.get("set-cookie")).toMatch(/tutti_session=;/);
    for (const s of [owner, otherBrowser, inSecondWorkspace]) expectError(await api("/me", { as: s }), 401, "unauthorized");
    expect((await api("/me", { as: member })).status).toBe(200);
    expect((await api("/me", { as: elsewhere })).status).toBe(200);
    expect((await api("/me", { as: token.token })).status).toBe(200);

    const audit = await api("/audit-log?action=user.signed_out_everywhere", { as: elsewhere });
    expect(audit.json.items).toEqual([
      expect.objectContaining({ target: { type: "user", id: owner.user.id }, details: { sessions_ended: 1, tokens_revoked: 0 } }),
    ]);
  });

  it("with revoke_tokens it also revokes every token the person created, audited per token", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const member = await addMember(owner, "member", { teamId });
    const mine = await createToken(owner, teamId);
    const theirs = await createToken(member, teamId);

    const res = await api("/me/sign-out-everywhere", { as: owner, body: { revoke_tokens: true } });
    expect(res.json).toEqual({ sessions_ended: 1, tokens_revoked: 1 });
    expectError(await api("/me", { as: mine.token }), 401, "unauthorized");
    expect((await api("/me", { as: theirs.token })).status).toBe(200);
    const again = await loginAgain(owner);
    const revoked = await api(`/audit-log?target_id=${mine.id}&action=token.revoked`, { as: again });
    expect(revoked.json.items[0].details).toMatchObject({ reason: "sign_out_everywhere" });
  });

  it("needs a signed-in person with the CSRF token; API tokens and bad bodies are refused", async () => {
    const owner = await signup();
    const token = await createToken(owner, await firstTeamId(owner));
    expectError(await api("/me/sign-out-everywhere", { as: token.token, method: "POST" }), 403, "forbidden");
    expectError(await api("/me/sign-out-everywhere", { method: "POST", headers: { cookie: owner.cookie } }), 403, "forbidden");
    const bad = await api("/me/sign-out-everywhere", { as: owner, body: { revoke_tokens: "yes" } });
    expectError(bad, 400, "validation_failed");
    expect(bad.json.error.details[0].path).toBe("revoke_tokens");
    expect((await api("/me", { as: owner })).status).toBe(200);
  });
});

describe("sessions list and end", () => {
  const ids = (res: { json: any }) => (res.json.items as Array<{ id: string }>).map((s) => s.id);

  it("a person sees only their own sessions, marked current, and ends one of them", async () => {
    const owner = await signup();
    const member = await addMember(owner, "member");
    const otherBrowser = await loginAgain(member);
    const mine = await api("/sessions", { as: member });
    expect(mine.status).toBe(200);
    expect(mine.json.items).toHaveLength(2);
    expect(mine.json.items.every((s: { user: { id: string } }) => s.user.id === member.user.id)).toBe(true);
    expect(mine.json.items.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    const other = mine.json.items.find((s: { current: boolean }) => !s.current);
    expect(other.id).toMatch(/^ses_[0-9a-f]{32}$/);
    // The id names the session without being its cookie or the stored hash.
    expect(otherBrowser.cookie).not.toContain(other.id.slice(4));
    expect((await api(`/sessions/${other.id}`, { as: member, method: "DELETE" })).status).toBe(204);
    expectError(await api("/me", { as: otherBrowser }), 401, "unauthorized");
    expect((await api("/me", { as: member })).status).toBe(200);
    expect(ids(await api("/sessions", { as: member }))).toHaveLength(1);
  });

  it("ending your current session signs you out", async () => {
    const owner = await signup();
    const [current] = (await api("/sessions", { as: owner })).json.items;
    const res = await api(`/sessions/${current.id}`, { as: owner, method: "DELETE" });
    expect(res.status).toBe(204);
    expect(res.headers.get("set-cookie")).toMatch(/tutti_session=;/);
    expectError(await api("/me", { as: owner }), 401, "unauthorized");
  });

  it("an admin sees and ends anyone's session in the tenant, but not an owner's; a member cannot touch others'", async () => {
    const owner = await signup();
    const admin = await addMember(owner, "admin");
    const member = await addMember(owner, "member");
    const all = await api("/sessions", { as: admin });
    expect(new Set(all.json.items.map((s: { user: { id: string } }) => s.user.id))).toEqual(new Set([owner.user.id, admin.user.id, member.user.id]));
    const sessionOf = (s: Session) => all.json.items.find((x: { user: { id: string } }) => x.user.id === s.user.id).id as string;

    // A member does not see others' sessions: asking is refused, ending one answers as if it did not exist.
    expectError(await api(`/sessions?user_id=${admin.user.id}`, { as: member }), 403, "forbidden");
    expectError(await api(`/sessions/${sessionOf(admin)}`, { as: member, method: "DELETE" }), 404, "not_found");
    expectError(await api(`/sessions/${sessionOf(owner)}`, { as: admin, method: "DELETE" }), 403, "forbidden");
    expect((await api("/me", { as: owner })).status).toBe(200);

    expect(ids(await api(`/sessions?user_id=${member.user.id}`, { as: admin }))).toEqual([sessionOf(member)]);
    expect((await api(`/sessions/${sessionOf(member)}`, { as: admin, method: "DELETE" })).status).toBe(204);
    expectError(await api("/me", { as: member }), 401, "unauthorized");
    expect((await api(`/sessions/${sessionOf(admin)}`, { as: owner, method: "DELETE" })).status).toBe(204);
    expectError(await api("/me", { as: admin }), 401, "unauthorized");

    const audit = await api("/audit-log?action=session.ended", { as: owner });
    expect(audit.json.items.map((e: { target: { id: string }; actor: { id: string } }) => [e.actor.id, e.target.id])).toEqual([
      [owner.user.id, admin.user.id],
      [admin.user.id, member.user.id],
    ]);
  });

  it("another tenant's session id, an ended session and a malformed id are 404; API tokens are refused", async () => {
    const owner = await signup();
    const stranger = await signup();
    const [theirs] = (await api("/sessions", { as: stranger })).json.items;
    expectError(await api(`/sessions/${theirs.id}`, { as: owner, method: "DELETE" }), 404, "not_found");
    expect((await api("/me", { as: stranger })).status).toBe(200);
    expect(ids(await api("/sessions", { as: owner }))).not.toContain(theirs.id);
    expectError(await api("/sessions/ses_nothing", { as: owner, method: "DELETE" }), 404, "not_found");
    const idle = await loginAgain(owner);
    const idleId = (await api("/sessions", { as: idle })).json.items.find((s: { current: boolean }) => s.current).id;
    await setSession(idle, "last_seen_at", Date.now() - SESSION_IDLE_MS - 1000);
    expect(ids(await api("/sessions", { as: owner }))).not.toContain(idleId);
    expectError(await api(`/sessions/${idleId}`, { as: owner, method: "DELETE" }), 404, "not_found");
    const token = await createToken(owner, await firstTeamId(owner));
    expectError(await api("/sessions", { as: token.token }), 403, "forbidden");
  });
});
