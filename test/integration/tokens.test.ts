import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../worker/lib/hash";
import { api, expectError, signup } from "../helpers/api";
import { addMember, createTeam, createToken, firstTeamId } from "../helpers/fixtures";

describe("API tokens", () => {
  it("a signed-in user creates a team token that is shown once, stored hashed and works as a bearer credential", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const res = await api("/tokens", { as: owner, body: { name: "CI deploy", team_id: teamId, scopes: ["read", "pipelines:write"], expires_at: expiresAt } });
    expect(res.status).toBe(201);
    const { token, api_token } = res.json;
    expect(token).toMatch(/^tt_test_[0-9a-z]{40}$/);
    expect(api_token).toMatchObject({
      name: "CI deploy",
      team_id: teamId,
      prefix: token.slice(0, 14),
      scopes: ["read", "pipelines:write"],
      expires_at: expiresAt,
      last_used_at: null,
      revoked_at: null,
      created_by: owner.user.id,
    });
    expect(api_token.id).toMatch(/^tok_/);

    const stored = await env.DB.prepare("SELECT token_hash FROM api_tokens WHERE id = ?").bind(api_token.id).first<{ token_hash: string }>();
    expect(stored!.token_hash).toBe(await sha256Hex(token));

    const me = await api("/me", { as: token });
    expect(me.json).toMatchObject({ actor: { type: "token", id: api_token.id }, role: "member", scopes: ["read", "pipelines:write"] });
    const list = await api("/tokens", { as: owner });
    expect(list.text).not.toContain(token);
    expect(list.json.items[0].id).toBe(api_token.id);
    expect(list.json.items[0].last_used_at).not.toBeNull();
  });

  it("a token's scopes limit it", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const writeOnly = await createToken(owner, teamId, ["lineage:write"]);
    expectError(await api("/connections", { as: writeOnly.token }), 403, "forbidden");
    expectError(await api("/teams", { as: writeOnly.token }), 403, "forbidden");
  });

  it("tokens cannot create tokens; users only for teams they act for; viewers not at all", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const otherTeam = await createTeam(owner, "Other");
    const member = await addMember(owner, "member", { teamId });
    const viewer = await addMember(owner, "viewer", { teamId });
    const token = await createToken(owner, teamId);
    const body = (team: string) => ({ name: "x", team_id: team, scopes: ["read"] });
    expectError(await api("/tokens", { as: token.token, body: body(teamId) }), 403, "forbidden");
    expectError(await api("/tokens", { as: member, body: body(otherTeam.id) }), 403, "forbidden");
    expectError(await api("/tokens", { as: viewer, body: body(teamId) }), 403, "forbidden");
    expect((await api("/tokens", { as: member, body: body(teamId) })).status).toBe(201);
    expect((await api("/tokens", { as: owner, body: body(otherTeam.id) })).status).toBe(201);
  });

  it("bad token requests name the field", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: "x", team_id: teamId, scopes: ["root"] }, "scopes[0]"],
      [{ name: "x", team_id: teamId, scopes: [] }, "scopes"],
      [{ name: "x", team_id: teamId, scopes: ["read", "read"] }, "scopes"],
      [{ name: "x", team_id: teamId, scopes: ["read"], expires_at: "tomorrow" }, "expires_at"],
      [{ name: "x", team_id: teamId, scopes: ["read"], expires_at: "2001-01-01T00:00:00Z" }, "expires_at"],
      [{ name: "x", team_id: "team_missing", scopes: ["read"] }, "team_id"],
    ];
    for (const [body, path] of cases) {
      const res = await api("/tokens", { as: owner, body });
      expectError(res, 400, "validation_failed");
      expect(
        res.json.error.details.map((d: { path: string }) => d.path),
        JSON.stringify(body),
      ).toContain(path);
    }
    expect((await api("/tokens", { as: owner })).json.items).toEqual([]);
  });

  it("an expired token is refused", async () => {
    const owner = await signup();
    const token = await createToken(owner, await firstTeamId(owner));
    await env.DB.prepare("UPDATE api_tokens SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1000, token.id)
      .run();
    expectError(await api("/me", { as: token.token }), 401, "unauthorized");
  });

  it("admins list every token, members those of their teams", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const otherTeam = await createTeam(owner, "Other");
    const member = await addMember(owner, "member", { teamId });
    const mine = await createToken(owner, teamId);
    const theirs = await createToken(owner, otherTeam.id);
    const ids = (res: { json: any }) => res.json.items.map((t: { id: string }) => t.id).sort();
    expect(ids(await api("/tokens", { as: owner }))).toEqual([mine.id, theirs.id].sort());
    expect(ids(await api("/tokens", { as: member }))).toEqual([mine.id]);
    expect(ids(await api(`/tokens?team_id=${otherTeam.id}`, { as: member }))).toEqual([]);
    expect(ids(await api(`/tokens?team_id=${otherTeam.id}`, { as: owner }))).toEqual([theirs.id]);
    const paged = await api("/tokens?limit=1", { as: owner });
    expect(paged.json.items).toHaveLength(1);
    const rest = await api(`/tokens?limit=1&cursor=${paged.json.next_cursor}`, { as: owner });
    expect([paged.json.items[0].id, rest.json.items[0].id].sort()).toEqual([mine.id, theirs.id].sort());
    expect(rest.json.next_cursor).toBeNull();
  });

  it("revoking stops the token at once; revoking twice is harmless", async () => {
    const owner = await signup();
    const token = await createToken(owner, await firstTeamId(owner));
    const revoked = await api(`/tokens/${token.id}`, { as: owner, method: "DELETE" });
    expect(revoked.status).toBe(200);
    expect(revoked.json.revoked_at).not.toBeNull();
    expectError(await api("/me", { as: token.token }), 401, "unauthorized");
    const again = await api(`/tokens/${token.id}`, { as: owner, method: "DELETE" });
    expect(again.json.revoked_at).toBe(revoked.json.revoked_at);
    const audit = await api(`/audit-log?target_id=${token.id}`, { as: owner });
    expect(audit.json.items.map((e: { action: string }) => e.action).sort()).toEqual(["token.created", "token.revoked"]);
  });

  it("a plain member cannot revoke a teammate's token, but its creator, a maintainer, or the token itself can", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const member = await addMember(owner, "member", { teamId });
    const ownersToken = await createToken(owner, teamId);
    expectError(await api(`/tokens/${ownersToken.id}`, { as: member, method: "DELETE" }), 403, "forbidden");
    const other = await createToken(owner, teamId);
    expectError(await api(`/tokens/${ownersToken.id}`, { as: other.token, method: "DELETE" }), 403, "forbidden");
    expect((await api(`/tokens/${ownersToken.id}`, { as: ownersToken.token, method: "DELETE" })).status).toBe(200);
    const membersToken = await createToken(member, teamId);
    expect((await api(`/tokens/${membersToken.id}`, { as: member, method: "DELETE" })).status).toBe(200);
  });
});
