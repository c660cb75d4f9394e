import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, expectError, linkToken, signup } from "../helpers/api";

describe("sign-up and sessions", () => {
  it("the sign-up link creates the user, tenant and first team, and signs in", async () => {
    const s = await signup({ team_name: "Analytics" });
    const me = await api("/me", { as: s });
    expect(me.status).toBe(200);
    expect(me.json.role).toBe("owner");
    expect(me.json.teams).toEqual([expect.objectContaining({ name: "Analytics", slug: "analytics", role: "maintainer" })]);
    expect(me.json.csrf_token).toBe(s.csrf);
  });

  it("the session cookie is HttpOnly, Secure and SameSite=Lax", async () => {
    const signedUp = await api("/auth/signup", {
      body: { email: "cookie@example.com", password: "correct horse battery", name: "C", tenant_name: "Cookie Co" },
    });
    expect(signedUp.headers.get("set-cookie")).toBeNull();
    const res = await api("/auth/verify", { body: { token: await linkToken("cookie@example.com", "/verify/") } });
    const raw = res.headers.get("set-cookie") ?? "";
    expect(raw).toMatch(/tutti_session=/);
    expect(raw).toMatch(/HttpOnly/i);
    expect(raw).toMatch(/Secure/i);
    expect(raw).toMatch(/SameSite=Lax/i);
  });

  it("a taken tenant slug is a conflict naming the field", async () => {
    const s = await signup();
    const slug = await api("/auth/signup", {
      body: { email: "new-person@example.com", password: "correct horse battery", name: "X", tenant_name: s.tenant.name },
    });
    expectError(slug, 409, "conflict");
    expect(slug.json.error.details[0].path).toBe("tenant_name");
  });

  it("login with the right password works, the wrong one is 401", async () => {
    const s = await signup({ password: "a long password 1" });
    const bad = await api("/auth/login", { body: { email: s.user.email, password: "nope nope nope" } });
    expectError(bad, 401, "unauthorized");
    const good = await api("/auth/login", { body: { email: s.user.email.toUpperCase(), password: "a long password 1" } });
    expect(good.status).toBe(200);
    expect(good.json.tenant.slug).toBe(s.tenant.slug);
  });

  it("the suite's sign-ups store the lowered test hashing cost, and it still verifies at login", async () => {
    const s = await signup({ password: "a long password 2" });
    const row = await env.DB.prepare("SELECT password_iterations AS n FROM users WHERE id = ?").bind(s.user.id).first<{ n: number }>();
    expect(row).toEqual({ n: Number(env.TEST_PASSWORD_HASH_ITERATIONS) });
    expect(row!.n).toBeLessThan(100_000);
    expect((await api("/auth/login", { body: { email: s.user.email, password: "a long password 2" } })).status).toBe(200);
  });

  it("logout ends the session", async () => {
    const s = await signup();
    const out = await api("/auth/logout", { method: "POST", as: s });
    expect(out.status).toBe(200);
    expectError(await api("/me", { as: s }), 401, "unauthorized");
  });

  it("no credentials → 401 with the error envelope", async () => {
    expectError(await api("/me"), 401, "unauthorized");
    expectError(await api("/me", { as: "tt_test_nope" }), 401, "unauthorized");
  });

  it("bad sign-up input names every field", async () => {
    const res = await api("/auth/signup", { body: { email: "not-an-email", password: "short", tenant_name: 5, extra: 1 } });
    expectError(res, 400, "validation_failed");
    const paths = res.json.error.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual(["email", "extra", "name", "password", "tenant_name"]);
  });

  it("malformed JSON is a 400 naming the body", async () => {
    const res = await api("/auth/signup", { rawBody: "{not json", headers: { "content-type": "application/json" } });
    expectError(res, 400, "validation_failed");
  });
});
