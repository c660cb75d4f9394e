import { tenantD1 } from "../helpers/tenant-db";
import { tenantContext } from "../../worker/db/shards";
import { env } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { recordConnectionUse, resolveConnectionSecrets } from "../../worker/db/repo/connections/connections";
import { loadKeyRing } from "../../worker/lib/envelope";
import { api, cookieFrom, seenResponses, signup, type Session } from "../helpers/api";

const consoleMethods = ["log", "info", "warn", "error", "debug", "trace"] as const;
const logged: string[] = [];

beforeAll(() => {
  for (const m of consoleMethods) {
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
      logged.push(args.map((a) => (typeof a === "string" ? a : a instanceof Error ? `${a.message}\n${a.stack}` : JSON.stringify(a))).join(" "));
    });
  }
});
afterAll(() => vi.restoreAllMocks());

const unique = (label: string) => `${label}-${crypto.randomUUID()}`;

async function ok(res: Promise<{ status: number; json: any; text: string }>, status: number) {
  const r = await res;
  expect(r.status, r.text).toBe(status);
  return r.json;
}

/**
 * Every table's rows as text (D1 internals excepted), to check what is stored at rest. Not dev_outbox: it exists to
 * hold the mails local development and the tests capture (links included); a deployment sends them instead.
 */
async function databaseDump(): Promise<string> {
  const parts: string[] = [];
  // Every database: the control database and each shard (a secret must not rest in any of them).
  for (const d1 of [env.DB, env.SHARD_1, env.SHARD_2]) {
    const tables = await d1
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%' AND name != 'dev_outbox'",
      )
      .all<{ name: string }>();
    for (const { name } of tables.results) parts.push(JSON.stringify((await d1.prepare(`SELECT * FROM "${name}"`).all()).results));
  }
  return parts.join("\n");
}

const occurrences = (haystacks: string[], needle: string) => haystacks.filter((h) => h.includes(needle)).length;

describe("secret values never leak", () => {
  it("no response, log line or stored row holds a connection secret, and a token or invitation link appears only in its creation response", async () => {
    const secret = {
      webhookSigning: unique("whsec"),
      slackUrl: `https://hooks.slack.com/services/${unique("T0")}`,
      httpAuth: unique("Basic"),
      httpBearer: unique("bearer"),
      rotated: unique("rotated"),
      unknownField: unique("unknown-field-value"),
      badConfig: unique("bad-config-value"),
      duplicate: unique("duplicate-value"),
      rotateUnknown: unique("rotate-unknown"),
      patchSmuggled: unique("patch-smuggled"),
      malformed: unique("malformed-json-value"),
      oversized: unique("oversized-value"),
      wrongKind: unique("wrong-kind-value"),
    };
    const connectionSecrets = Object.values(secret);

    const owner = await signup();
    const me = await ok(api("/me", { as: owner }), 200);
    const teamId: string = me.teams[0].id;
    const team2 = await ok(api("/teams", { as: owner, body: { name: "Second" } }), 201);

    // Connections of every kind with known secrets, then every route that touches them.
    const webhook = await ok(
      api("/connections", {
        as: owner,
        body: { team_id: teamId, name: "hook", kind: "webhook", config: { url: "https://h.example.com" }, secrets: { signing_secret: secret.webhookSigning } },
      }),
      201,
    );
    const slack = await ok(
      api("/connections", { as: owner, body: { team_id: teamId, name: "slack", kind: "slack", config: {}, secrets: { webhook_url: secret.slackUrl } } }),
      201,
    );
    const http = await ok(
      api("/connections", {
        as: owner,
        body: {
          team_id: team2.id,
          name: "api",
          kind: "http",
          config: { base_url: "https://api.example.com" },
          secrets: { authorization: secret.httpAuth, bearer_token: secret.httpBearer },
        },
        headers: { "idempotency-key": unique("idem") },
      }),
      201,
    );
    await ok(api(`/connections/${webhook.id}/rotate`, { as: owner, body: { secrets: { signing_secret: secret.rotated } } }), 200);
    await ok(api(`/connections/${slack.id}`, { as: owner, method: "PATCH", body: { description: "Alerts channel", config: { channel_label: "#data" } } }), 200);
    await ok(api(`/connections/${http.id}`, { as: owner }), 200);
    await ok(api("/connections", { as: owner }), 200);
    await ok(api(`/connections?team_id=${team2.id}`, { as: owner }), 200);
    await ok(api("/connection-kinds", { as: owner }), 200);

    // Error paths that carry secret values in the request.
    const base = { team_id: teamId, name: "bad", kind: "webhook", config: { url: "https://h.example.com" } };
    await ok(api("/connections", { as: owner, body: { ...base, secrets: { signing_secret: secret.unknownField, extra: secret.unknownField } } }), 400);
    await ok(api("/connections", { as: owner, body: { ...base, config: { url: "not a url" }, secrets: { signing_secret: secret.badConfig } } }), 400);
    await ok(api("/connections", { as: owner, body: { ...base, name: "hook", secrets: { signing_secret: secret.duplicate } } }), 409);
    await ok(api("/connections", { as: owner, body: { ...base, kind: "nope", secrets: { signing_secret: secret.wrongKind } } }), 400);
    await ok(api(`/connections/${webhook.id}/rotate`, { as: owner, body: { secrets: { not_a_field: secret.rotateUnknown } } }), 400);
    await ok(api(`/connections/${webhook.id}`, { as: owner, method: "PATCH", body: { secrets: { signing_secret: secret.patchSmuggled } } }), 400);
    await ok(
      api("/connections", { as: owner, rawBody: `{"secrets":{"signing_secret":"${secret.malformed}"`, headers: { "content-type": "application/json" } }),
      400,
    );
    await ok(api("/connections", { as: owner, body: { ...base, secrets: { signing_secret: secret.oversized }, description: "x".repeat(1024 * 1024) } }), 413);

    // The run engine's use of a connection.
    const ctx = await tenantContext(env, owner.tenant.id);
    const resolved = await resolveConnectionSecrets(ctx, await loadKeyRing(env.TUTTI_MASTER_KEY), team2.id, "api");
    expect(resolved?.secrets).toEqual({ authorization: secret.httpAuth, bearer_token: secret.httpBearer });
    await recordConnectionUse(ctx, resolved!, { runId: "run_leak", taskKey: "call", attempt: 1 });

    // A token: shown once, used, listed, replayed, revoked.
    const tokenKey = unique("idem");
    const created = await api("/tokens", { as: owner, body: { name: "ci", team_id: teamId, scopes: ["read"] }, headers: { "idempotency-key": tokenKey } });
    expect(created.status).toBe(201);
    const plaintext: string = created.json.token;
    await ok(api("/tokens", { as: owner, body: { name: "ci", team_id: teamId, scopes: ["read"] }, headers: { "idempotency-key": tokenKey } }), 409);
    await ok(api("/me", { as: plaintext }), 200);
    await ok(api("/connections", { as: plaintext }), 200);
    await ok(api(`/connections/${webhook.id}`, { as: plaintext }), 200);
    await ok(api("/tokens", { as: owner }), 200);
    await ok(api("/tokens", { as: plaintext }), 200);
    await ok(api(`/tokens/${created.json.api_token.id}`, { as: owner, method: "DELETE" }), 200);
    await ok(api("/me", { as: plaintext }), 401);

    // An invitation link: shown once, looked up, accepted.
    const invited = await api("/invitations", { as: owner, body: { email: `${unique("invitee")}@example.com`, role: "member", team_id: teamId } });
    expect(invited.status).toBe(201);
    const inviteToken: string = invited.json.token;
    await ok(api("/invitations", { as: owner }), 200);
    await ok(api(`/invitations/lookup?token=${inviteToken}`), 200);
    const accepted = await api("/invitations/accept", { body: { token: inviteToken, name: "Invitee", password: "a strong password" } });
    expect(accepted.status).toBe(200);
    const invitee: Session = { cookie: cookieFrom(accepted.headers), csrf: accepted.json.csrf_token, user: accepted.json.user, tenant: accepted.json.tenant };
    await ok(api(`/connections/${webhook.id}`, { as: invitee }), 200);

    // Teams, members and the audit log.
    await ok(api("/teams", { as: owner }), 200);
    await ok(api(`/teams/${teamId}`, { as: owner, method: "PATCH", body: { description: "Core" } }), 200);
    await ok(api(`/teams/${team2.id}/members`, { as: owner, body: { user_id: invitee.user.id, role: "member" } }), 201);
    await ok(api(`/teams/${team2.id}/members`, { as: owner }), 200);
    await ok(api("/members", { as: owner }), 200);
    await ok(api(`/members/${invitee.user.id}`, { as: owner, method: "PATCH", body: { role: "viewer" } }), 200);
    const audit = await ok(api("/audit-log?limit=200", { as: owner }), 200);
    expect(audit.items.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(["connection.created", "connection.rotated", "connection.used", "token.created", "token.revoked"]),
    );
    await ok(api("/openapi.json"), 200);
    await ok(api(`/connections/${slack.id}`, { as: owner, method: "DELETE" }), 204);

    // A failing request is logged: proves the console capture sees the Worker's log lines.
    await (await tenantD1(owner.tenant.id)).prepare("UPDATE connections SET config = '{broken' WHERE id = ?").bind(http.id).run();
    await ok(api(`/connections/${http.id}`, { as: owner }), 500);
    expect(logged.some((line) => line.includes('"level":"error"'))).toBe(true);

    const stored = await databaseDump();
    for (const value of connectionSecrets) {
      expect(occurrences(seenResponses, value), `a response holds ${value}`).toBe(0);
      expect(occurrences(logged, value), `a log line holds ${value}`).toBe(0);
      expect(stored.includes(value), `the database holds ${value} in plaintext`).toBe(false);
    }
    for (const once of [plaintext, inviteToken]) {
      expect(occurrences(seenResponses, once)).toBe(1);
      expect(occurrences(logged, once)).toBe(0);
      expect(stored.includes(once)).toBe(false);
    }
    expect(seenResponses.length).toBeGreaterThan(40);
  });
});
