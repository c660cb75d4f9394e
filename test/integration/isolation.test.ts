import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { tenantCtx, createDb } from "../../worker/db/client";
import { resolveConnectionSecrets } from "../../worker/db/repo/connections/connections";
import { loadKeyRing } from "../../worker/lib/envelope";
import { api, signup, type Session } from "../helpers/api";
import { isTerminal, waitForRun } from "../helpers/engine";
import { addMember, createTeam, createToken, createWebhookConnection, firstTeamId } from "../helpers/fixtures";
import { assertNothingWritten, call, fixtureTenant, operations, type FixtureTenant, type Operation } from "../helpers/sweep";

/**
 * Isolation and authorization, swept over every operation of the OpenAPI document (test/helpers/sweep.ts): a new
 * route is checked here without being listed, and the sweep fails when it cannot fill the route's path parameters
 * or body, so the fixture grows with the API.
 */

/** Operations without credentials: they authenticate some other way, so another tenant's credentials mean nothing to them. */
const PUBLIC: Record<string, string> = {
  "GET /health": "liveness probe; no tenant data",
  "POST /auth/signup": "creates a new tenant; needs no credentials",
  "POST /auth/login": "exchanges a password for a session",
  "POST /auth/verify": "authorised by the sign-up link's token in the body; creates a new tenant",
  "POST /auth/password-reset/request": "mails the address; answers alike for every address",
  "POST /auth/password-reset": "authorised by the reset link's token in the body, not by a tenant credential",
  "GET /dev/mail": "local development only (404 elsewhere); the captured mails are no tenant's data",
  "POST /auth/logout": "ends the caller's own session (or nothing)",
  "GET /invitations/lookup": "authorised by the invitation token in the query, not by a tenant credential",
  "POST /invitations/accept": "authorised by the invitation token in the body, not by a tenant credential",
  "GET /pipelines/schema.json": "the pipeline spec's JSON schema; the same for everyone",
  "GET /auth/sso/start": "starts a browser's sign-in at the workspace's provider; reveals only which workspace a domain signs in to",
  "GET /auth/sso/callback": "authorised by the pending sign-in's state (URL and cookie) and the provider's code",
  "POST /auth/mfa": "authorised by the pending sign-in's token in the body (after a right password) and a second factor",
  "POST /auth/mfa/passkey-options": "authorised by the pending sign-in's token in the body",
  "GET /status/{token}": "a product's status page, authorised by its share link's token in the path, not by a tenant credential",
  "POST /status/{token}/subscribe": "authorised by the share link's token in the path; mails a confirmation link and stores an unconfirmed address",
  "POST /status/confirm": "authorised by the signed confirmation link's token in the body",
  "POST /status/unsubscribe": "authorised by the signed unsubscribe link's token in the body",
};

const OWN_FACTORS = "the caller's own account's second factors, a right everyone keeps; covered by mfa.test.ts";

/** State-changing operations a tenant viewer is allowed: none of them change anything. */
const VIEWER_MAY: Record<string, string> = {
  "POST /ci/impact": "computes an impact preview from the body; stores nothing",
  "POST /me/sign-out-everywhere": "ends the caller's own sessions (a right everyone keeps); covered by sessions.test.ts",
  "POST /me/mfa/totp": OWN_FACTORS,
  "POST /me/mfa/totp/confirm": OWN_FACTORS,
  "DELETE /me/mfa/totp": OWN_FACTORS,
  "POST /me/mfa/recovery-codes": OWN_FACTORS,
  "POST /me/mfa/passkeys/options": OWN_FACTORS,
  "POST /me/mfa/passkeys": OWN_FACTORS,
};

/** State-changing operations a read-only token is allowed, for the same reason. */
const READ_SCOPE_MAY: Record<string, string> = {
  "POST /ci/impact": "computes an impact preview from the body; stores nothing",
};

/**
 * State-changing operations a token of another team of the tenant may call with the fixture's body: they name no
 * object of the first team (the writer's own team owns what they create), or store nothing.
 */
const OTHER_TEAM_MAY: Record<string, string> = {
  "POST /lineage": "OpenLineage ingestion is tenant-wide: new datasets and jobs belong to the writer's team, existing ones keep their owner",
  "POST /lineage/batch": "as POST /lineage",
  "POST /usage": "usage is reported by the consumers of a product, who are usually other teams",
  "POST /costs":
    "the fixture's record names none of the first team's things, so it is the writer's own; naming another team's objects or correcting its records is refused (costs-ownership.test.ts)",
  "POST /ci/impact": "computes an impact preview from the body; stores nothing",
};

let ops: Operation[];
let a: FixtureTenant;
let intruder: { session: Session; token: string };

beforeAll(async () => {
  ops = await operations();
  a = await fixtureTenant();
  const b = await signup();
  intruder = { session: b, token: (await createToken(b, await firstTeamId(b))).token };
  // Work the fixture started (its run) finishes first, so the snapshots below change only if a call writes.
  await waitForRun(a.owner, a.pathValues["runs/{id}"], isTerminal);
}, 180_000);

const secured = () => ops.filter((op) => op.secured);
const writes = () => secured().filter((op) => op.writes);
const label = (op: Operation, who: string, res: { status: number; text: string }) => `${op.key} as ${who}: ${res.status} ${res.text.slice(0, 300)}`;

const nothingWritten = (list: Operation[], calls: (op: Operation) => Promise<void>) => assertNothingWritten(a.owner.tenant.id, list, calls);

// Each sweep makes hundreds of requests in sequence: seconds on a quiet machine, minutes on a crowded one.
describe("isolation and authorization sweep over the OpenAPI document", { timeout: 300_000 }, () => {
  it("every operation is swept or skipped for a stated reason, and every path parameter has a fixture value", () => {
    const publicOps = ops.filter((op) => !op.secured).map((op) => op.key);
    expect(publicOps.sort(), "operations without security: list them in PUBLIC with a reason, or secure them").toEqual(Object.keys(PUBLIC).sort());
    for (const map of [VIEWER_MAY, READ_SCOPE_MAY, OTHER_TEAM_MAY]) {
      for (const key of Object.keys(map))
        expect(
          ops.map((op) => op.key),
          `${key} is excused but not in the document`,
        ).toContain(key);
    }
    const unfilled = secured().flatMap((op) => op.params.filter((p) => a.pathValues[p] === undefined).map((p) => `${op.key}: ${p}`));
    expect(unfilled, "path parameters without a fixture value: add them to pathValues in test/helpers/sweep.ts").toEqual([]);
    const bodiless = secured()
      .filter((op) => op.jsonBody && !a.bodies[op.key])
      .map((op) => op.key);
    expect(bodiless, "JSON operations without a valid body: add them to bodies in test/helpers/sweep.ts").toEqual([]);
  });

  it("another tenant's session and token get 404 for every operation with an id or name in its path, and nothing changes", async () => {
    const withIds = secured().filter((op) => op.params.length);
    expect(withIds.length).toBeGreaterThan(50);
    await nothingWritten(withIds, async (op) => {
      for (const [who, as] of [
        ["another tenant's session", intruder.session],
        ["another tenant's token", intruder.token],
      ] as const) {
        const res = await call(a, op, { as });
        expect(res.status, label(op, who, res)).toBe(404);
        expect(res.json?.error?.code, label(op, who, res)).toBe("not_found");
      }
    });
  });

  it("the owner reads every operation with an id in its path (the fixture's ids are real)", async () => {
    for (const op of secured().filter((o) => o.params.length && o.method === "GET")) {
      const res = await call(a, op, { as: a.owner });
      expect(res.status, label(op, "the owner", res)).toBe(200);
    }
  });

  it("another tenant's lists never show the fixture tenant's objects", async () => {
    const ids = Object.entries(a.pathValues)
      .filter(([key]) => key.endsWith("{id}") || key.endsWith("{userId}"))
      .map(([, id]) => id);
    for (const op of secured().filter((o) => o.method === "GET" && !o.params.length && !o.query.some((q) => q.required))) {
      for (const as of [intruder.session, intruder.token]) {
        const res = await call(a, op, { as });
        expect(res.status, label(op, "another tenant", res)).toBeLessThan(500);
        for (const id of ids) expect(res.text, `${op.key} shows ${id} to another tenant`).not.toContain(id);
      }
    }
  });

  it("a cookie session without the CSRF header gets 403 for every state-changing operation, and nothing is written", async () => {
    await nothingWritten(writes(), async (op) => {
      const res = await call(a, op, { headers: { cookie: a.owner.cookie } });
      expect(res.status, label(op, "a session without CSRF", res)).toBe(403);
      expect(res.json?.error?.code).toBe("forbidden");
    });
  });

  it("a tenant viewer gets 403 (or 404 where the object is hidden) for every state-changing operation, and nothing is written", async () => {
    await nothingWritten(
      writes().filter((op) => !VIEWER_MAY[op.key]),
      async (op) => {
        const res = await call(a, op, { as: a.viewer });
        expect([403, 404], label(op, "a viewer", res)).toContain(res.status);
      },
    );
  });

  it("a team token without the needed scope gets 403 for every state-changing operation, and nothing is written", async () => {
    await nothingWritten(
      writes().filter((op) => !READ_SCOPE_MAY[op.key]),
      async (op) => {
        const res = await call(a, op, { as: a.readToken.token });
        expect(res.status, label(op, "a read-only token", res)).toBe(403);
        expect(res.json?.error?.code).toBe("forbidden");
      },
    );
  });

  it("a token of another team of the tenant gets 403 or 404 for every state-changing operation on the first team's objects, and nothing is written", async () => {
    await nothingWritten(
      writes().filter((op) => !OTHER_TEAM_MAY[op.key]),
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
    const ctx = tenantCtx(createDb(env.DB), owner.tenant.id);
    const ring = await loadKeyRing(env.TUTTI_MASTER_KEY);
    expect((await resolveConnectionSecrets(ctx, ring, teamA, "warehouse"))?.secrets).toEqual({ signing_secret: "team-a-secret-value" });
    expect((await resolveConnectionSecrets(ctx, ring, teamB, "warehouse"))?.secrets).toEqual({ signing_secret: "team-b-secret-value" });
    const onlyB = await createWebhookConnection(owner, teamB, "finance-only", "finance-secret");
    expect(onlyB.team_id).toBe(teamB);
    expect(await resolveConnectionSecrets(ctx, ring, teamA, "finance-only")).toBeNull();
    // Another tenant's context cannot reach it either.
    const stranger = await signup();
    expect(await resolveConnectionSecrets(tenantCtx(createDb(env.DB), stranger.tenant.id), ring, teamB, "finance-only")).toBeNull();
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
