import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, expectError, signup } from "../helpers/api";
import { firstTeamId } from "../helpers/fixtures";

const key = () => `key-${crypto.randomUUID()}`;

describe("Idempotency-Key", () => {
  it("a repeated POST creates one team and replays the first response", async () => {
    const owner = await signup();
    const k = key();
    const first = await api("/teams", { as: owner, body: { name: "Once" }, headers: { "idempotency-key": k } });
    const second = await api("/teams", { as: owner, body: { name: "Once" }, headers: { "idempotency-key": k } });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.json).toEqual(first.json);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect((await api("/teams", { as: owner })).json.items.filter((t: { name: string }) => t.name === "Once")).toHaveLength(1);
    expectError(await api("/teams", { as: owner, body: { name: "Different" }, headers: { "idempotency-key": k } }), 409, "conflict");
  });

  it("a repeated connection POST creates one connection", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const body = { team_id: teamId, name: "hook", kind: "webhook", config: { url: "https://x.example.com" }, secrets: { signing_secret: "idem-secret-value" } };
    const k = key();
    const first = await api("/connections", { as: owner, body, headers: { "idempotency-key": k } });
    const second = await api("/connections", { as: owner, body, headers: { "idempotency-key": k } });
    expect(first.status).toBe(201);
    expect(second.json.id).toBe(first.json.id);
    expect((await api("/connections", { as: owner })).json.items).toHaveLength(1);
    const stored = await env.DB.prepare("SELECT response_body FROM idempotency_keys WHERE tenant_id = ?").bind(owner.tenant.id).all<{ response_body: string }>();
    expect(JSON.stringify(stored.results)).not.toContain("idem-secret-value");
  });

  it("a repeated token POST creates one token; the replay is a conflict that never repeats or stores the token", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const k = key();
    const body = { name: "ci", team_id: teamId, scopes: ["read"] };
    const first = await api("/tokens", { as: owner, body, headers: { "idempotency-key": k } });
    expect(first.status).toBe(201);
    const second = await api("/tokens", { as: owner, body, headers: { "idempotency-key": k } });
    expectError(second, 409, "conflict");
    expect(second.json.error.message).toContain(first.json.api_token.id);
    expect(second.json.error.request_id).toMatch(/^req_/);
    expect(second.text).not.toContain(first.json.token);
    expect((await api("/tokens", { as: owner })).json.items).toHaveLength(1);
    const stored = await env.DB.prepare("SELECT response_body FROM idempotency_keys WHERE tenant_id = ?").bind(owner.tenant.id).all<{ response_body: string }>();
    expect(stored.results).toHaveLength(1);
    expect(JSON.stringify(stored.results)).not.toContain(first.json.token);
  });

  it("a repeated invitation POST creates one invitation and never repeats or stores the link", async () => {
    const owner = await signup();
    const k = key();
    const body = { email: "invitee@example.com", role: "member" };
    const first = await api("/invitations", { as: owner, body, headers: { "idempotency-key": k } });
    expect(first.status).toBe(201);
    const second = await api("/invitations", { as: owner, body, headers: { "idempotency-key": k } });
    expectError(second, 409, "conflict");
    expect(second.text).not.toContain(first.json.token);
    expect((await api("/invitations", { as: owner })).json.items).toHaveLength(1);
    const stored = await env.DB.prepare("SELECT response_body FROM idempotency_keys WHERE tenant_id = ?").bind(owner.tenant.id).all<{ response_body: string }>();
    expect(JSON.stringify(stored.results)).not.toContain(first.json.token);
  });
});
