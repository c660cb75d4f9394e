import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, BASE, expectError, signup, type Session } from "../helpers/api";
import { addMember, createWebhookConnection, firstTeamId } from "../helpers/fixtures";

interface WriteRoute {
  name: string;
  method: "POST" | "PATCH";
  path: string;
  valid: Record<string, unknown>;
  /** A field and a value of the wrong type. */
  wrongType: [string, unknown];
  /** Paths reported for an empty body (routes where every field is optional report the root). */
  missing: string[];
}

async function world() {
  const owner = await signup();
  const teamId = await firstTeamId(owner);
  const member = await addMember(owner, "member");
  const conn = await createWebhookConnection(owner, teamId, "hook", "bad-input-secret");
  const routes: WriteRoute[] = [
    { name: "create team", method: "POST", path: "/teams", valid: { name: "Finance" }, wrongType: ["name", 42], missing: ["name"] },
    { name: "update team", method: "PATCH", path: `/teams/${teamId}`, valid: { description: "x" }, wrongType: ["description", ["x"]], missing: ["(root)"] },
    { name: "add team member", method: "POST", path: `/teams/${teamId}/members`, valid: { user_id: member.user.id, role: "member" }, wrongType: ["role", true], missing: ["role", "user_id"] },
    { name: "change member role", method: "PATCH", path: `/members/${member.user.id}`, valid: { role: "viewer" }, wrongType: ["role", 1], missing: ["role"] },
    { name: "invite", method: "POST", path: "/invitations", valid: { email: "new@example.com", role: "member" }, wrongType: ["expires_in_days", "7"], missing: ["email", "role"] },
    { name: "create token", method: "POST", path: "/tokens", valid: { name: "ci", team_id: teamId, scopes: ["read"] }, wrongType: ["scopes", "read"], missing: ["name", "scopes", "team_id"] },
    {
      name: "create connection",
      method: "POST",
      path: "/connections",
      valid: { team_id: teamId, name: "other", kind: "webhook", config: { url: "https://x.example.com" }, secrets: { signing_secret: "s" } },
      wrongType: ["secrets", { signing_secret: 7 }],
      missing: ["kind", "name", "secrets", "team_id"],
    },
    { name: "update connection", method: "PATCH", path: `/connections/${conn.id}`, valid: { description: "x" }, wrongType: ["config", "url"], missing: ["(root)"] },
    { name: "rotate", method: "POST", path: `/connections/${conn.id}/rotate`, valid: { secrets: { signing_secret: "new" } }, wrongType: ["secrets", []], missing: ["secrets"] },
  ];
  return { owner, routes };
}

/** Every write is audited, so an unchanged audit log (plus unchanged lists) means nothing was written. */
async function snapshot(s: Session) {
  const parts = await Promise.all(["/audit-log?limit=200", "/teams", "/members", "/invitations", "/tokens", "/connections"].map((p) => api(p, { as: s })));
  return parts.map((p) => p.text).join("\n");
}

const paths = (res: { json: any }) => res.json.error.details.map((d: { path: string }) => d.path).sort();

describe("bad input", () => {
  it("malformed JSON, wrong types, missing and unknown fields get 400 with field paths, and nothing is written", async () => {
    const { owner, routes } = await world();
    const before = await snapshot(owner);
    for (const r of routes) {
      const malformed = await api(r.path, { method: r.method, as: owner, rawBody: '{"name": ', headers: { "content-type": "application/json" } });
      expectError(malformed, 400, "validation_failed");
      expect(paths(malformed), `${r.name}: malformed`).toEqual(["body"]);

      const [field, value] = r.wrongType;
      const wrong = await api(r.path, { method: r.method, as: owner, body: { ...r.valid, [field]: value } });
      expectError(wrong, 400, "validation_failed");
      expect(paths(wrong).some((p: string) => p === field || p.startsWith(`${field}.`) || p.startsWith(`${field}[`)), `${r.name}: ${JSON.stringify(paths(wrong))}`).toBe(true);

      const empty = await api(r.path, { method: r.method, as: owner, body: {} });
      expectError(empty, 400, "validation_failed");
      expect(paths(empty), `${r.name}: missing`).toEqual(r.missing);

      const unknown = await api(r.path, { method: r.method, as: owner, body: { ...r.valid, is_admin: true } });
      expectError(unknown, 400, "validation_failed");
      expect(paths(unknown), `${r.name}: unknown`).toEqual(["is_admin"]);

      const notObject = await api(r.path, { method: r.method, as: owner, body: [r.valid] });
      expectError(notObject, 400, "validation_failed");
    }
    expect(await snapshot(owner)).toBe(before);
  });

  it("bodies over 1 MiB are refused with 413 before anything is written, with or without Content-Length", async () => {
    const { owner, routes } = await world();
    const before = await snapshot(owner);
    const huge = "x".repeat(1024 * 1024 + 1);
    for (const r of routes) {
      const res = await api(r.path, { method: r.method, as: owner, body: { ...r.valid, description: huge } });
      expectError(res, 413, "payload_too_large");
    }
    const bytes = new TextEncoder().encode(JSON.stringify({ name: "Streamed", description: huge }));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.slice(i, i + 64 * 1024));
        controller.close();
      },
    });
    const streamed = await SELF.fetch(`${BASE}/api/v1/teams`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: owner.cookie, "x-csrf-token": owner.csrf },
      body: stream,
    });
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as any).error.code).toBe("payload_too_large");
    expect(await snapshot(owner)).toBe(before);
  });

  it("a body that is not JSON is refused with 415 and the error envelope", async () => {
    const { owner } = await world();
    const before = await snapshot(owner);
    const res = await api("/teams", { as: owner, rawBody: "name=Finance", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expectError(res, 415, "unsupported_media_type");
    expect(paths(res)).toEqual(["header.Content-Type"]);
    expect(await snapshot(owner)).toBe(before);
  });
});

describe("CSRF", () => {
  it("a cookie-authenticated write without the X-CSRF-Token header is refused and writes nothing", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const before = await snapshot(owner);
    const writes: Array<[string, string, unknown]> = [
      ["POST", "/teams", { name: "Forged" }],
      ["POST", "/tokens", { name: "forged", team_id: teamId, scopes: ["read"] }],
      ["POST", "/connections", { team_id: teamId, name: "forged", kind: "webhook", config: { url: "https://evil.example.com" }, secrets: { signing_secret: "x" } }],
      ["POST", "/invitations", { email: "evil@example.com", role: "owner" }],
      ["PATCH", `/teams/${teamId}`, { name: "Forged" }],
      ["PATCH", `/members/${owner.user.id}`, { role: "owner" }],
    ];
    for (const [method, path, body] of writes) {
      const missing = await api(path, { method, body, headers: { cookie: owner.cookie } });
      expectError(missing, 403, "forbidden");
      const wrong = await api(path, { method, body, headers: { cookie: owner.cookie, "x-csrf-token": "a".repeat(32) } });
      expectError(wrong, 403, "forbidden");
    }
    expect(await snapshot(owner)).toBe(before);
    // Reads need no CSRF token.
    expect((await api("/teams", { headers: { cookie: owner.cookie } })).status).toBe(200);
  });
});
