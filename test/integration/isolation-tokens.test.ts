import { tenantContext } from "../../worker/db/shards";
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { resolveConnectionSecrets } from "../../worker/db/repo/connections/connections";
import { loadKeyRing } from "../../worker/lib/envelope";
import { api, signup } from "../helpers/api";

import { addMember, createTeam, createToken, createWebhookConnection, firstTeamId } from "../helpers/fixtures";
import { isolationFixture, label, OTHER_TEAM_MAY, READ_SCOPE_MAY } from "../helpers/isolation";
import { call } from "../helpers/sweep";

/**
 * Isolation and authorization, swept over every operation of the OpenAPI document (see isolation-reads.test.ts):
 * here, every state-changing operation called with an API token that may not make it. Then team isolation inside a
 * tenant, for connections and tokens.
 */

const sweep = isolationFixture();

describe("isolation and authorization sweep over the OpenAPI document: tokens", { timeout: 300_000 }, () => {
  it("a team token without the needed scope gets 403 for every state-changing operation, and nothing is written", async () => {
    const { a } = sweep;
    await sweep.nothingWritten(
      sweep.writes().filter((op) => !READ_SCOPE_MAY[op.key]),
      async (op) => {
        const res = await call(a, op, { as: a.readToken.token });
        expect(res.status, label(op, "a read-only token", res)).toBe(403);
        expect(res.json?.error?.code).toBe("forbidden");
      },
    );
  });

  it("a token of another team of the tenant gets 403 or 404 for every state-changing operation on the first team's objects, and nothing is written", async () => {
    const { a } = sweep;
    await sweep.nothingWritten(
      sweep.writes().filter((op) => !OTHER_TEAM_MAY[op.key]),
      async (op) => {
        const res = await call(a, op, { as: a.otherTeamToken.token });
        expect([403, 404], label(op, "another team's token", res)).toContain(res.status);
      },
    );
  });
});

describe("team isolation inside a tenant", () => {
  it("the run engine resolves a connection name within the task's team only", async () => {
    const owner = await signup();
    const teamA = await firstTeamId(owner);
    const teamB = (await createTeam(owner, "Finance")).id;
    await createWebhookConnection(owner, teamA, "warehouse", "team-a-secret-value");
    await createWebhookConnection(owner, teamB, "warehouse", "team-b-secret-value");
    const ctx = await tenantContext(env, owner.tenant.id);
    const ring = await loadKeyRing(env.TUTTI_MASTER_KEY);
    expect((await resolveConnectionSecrets(ctx, ring, teamA, "warehouse"))?.secrets).toEqual({ signing_secret: "team-a-secret-value" });
    expect((await resolveConnectionSecrets(ctx, ring, teamB, "warehouse"))?.secrets).toEqual({ signing_secret: "team-b-secret-value" });
    const onlyB = await createWebhookConnection(owner, teamB, "finance-only", "finance-secret");
    expect(onlyB.team_id).toBe(teamB);
    expect(await resolveConnectionSecrets(ctx, ring, teamA, "finance-only")).toBeNull();
    // Another tenant's context cannot reach it either.
    const stranger = await signup();
    expect(await resolveConnectionSecrets(await tenantContext(env, stranger.tenant.id), ring, teamB, "finance-only")).toBeNull();
  });

  it("a team's member and token see only their own team's connections and tokens; admins see every team's", async () => {
    const owner = await signup();
    const teamA = await firstTeamId(owner);
    const teamB = (await createTeam(owner, "Finance")).id;
    const memberA = await addMember(owner, "member", { teamId: teamA });
    const tokenA = await createToken(memberA, teamA);
    const tokenB = await createToken(owner, teamB);
    const connA = await createWebhookConnection(owner, teamA, "warehouse", "team-a-secret-value");
    const connB = await createWebhookConnection(owner, teamB, "warehouse", "team-b-secret-value");
    for (const as of [memberA, tokenA.token]) {
      for (const path of ["/connections", `/connections?team_id=${teamB}`, "/tokens", "/teams"]) {
        const res = await api(path, { as });
        expect(res.status, path).toBe(200);
        expect(res.text, path).not.toContain(connB.id);
        expect(res.text, path).not.toContain(tokenB.id);
      }
      expect((await api(`/connections/${connB.id}`, { as })).status).toBe(404);
    }
    expect((await api("/connections", { as: tokenA.token })).json.items.map((c: { id: string }) => c.id)).toEqual([connA.id]);
    expect((await api("/teams", { as: tokenA.token })).json.items.map((t: { id: string }) => t.id)).toEqual([teamA]);
    const all = await api("/connections", { as: owner });
    expect(all.json.items.map((c: { id: string }) => c.id).sort()).toEqual([connA.id, connB.id].sort());
  });
});
