import { tenantContext } from "../../worker/db/shards";
import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { findConnectionByName, recordConnectionUse, resolveConnectionSecrets } from "../../worker/db/repo/connections/connections";
import { loadKeyRing } from "../../worker/lib/envelope";
import worker from "../../worker/index";
import { BASE, api, expectError, signup } from "../helpers/api";
import { fakeCredentials } from "../fakes/credentials";
import { addMember, createTeam, createToken, createWebhookConnection, firstTeamId } from "../helpers/fixtures";
import { tenantD1 } from "../helpers/tenant-db";
import { createConnection, fakeRequests, fakeUrl } from "../helpers/tool-fakes";

const ring = () => loadKeyRing(env.TUTTI_MASTER_KEY);
const usage = { runId: "run_test", taskKey: "notify" };

describe("connection kinds", () => {
  it("lists each kind with a JSON Schema of its config and its secret fields", async () => {
    const s = await signup();
    const res = await api("/connection-kinds", { as: s });
    expect(res.status).toBe(200);
    const webhook = res.json.find((k: { kind: string }) => k.kind === "webhook");
    expect(webhook).toMatchObject({ title: "Outgoing signed webhook", secret_fields: ["signing_secret"], optional_secret_fields: [] });
    expect(webhook.config_schema).toMatchObject({ type: "object", properties: { url: { type: "string" } }, required: ["url"] });
    expect(webhook).toMatchObject({ testable: false, webhook: null });

    // Tool kinds say how the tool calls back, for the dashboard's webhook instructions.
    const byKind = Object.fromEntries(res.json.map((k: { kind: string }) => [k.kind, k]));
    expect(byKind.dbt_cloud).toMatchObject({ testable: true, webhook: { path: "/webhooks/dbt_cloud/{id}", secret_field: "webhook_secret", url_token: false } });
    expect(byKind.dbt_cloud.webhook.steps.length).toBeGreaterThan(0);
    expect(byKind.airbyte.webhook).toMatchObject({ url_token: true });
    expect(byKind.snowflake).toMatchObject({ testable: true, webhook: null });
  });

  it("names each kind's host fields, whose move to another origin asks for the secrets again", async () => {
    const s = await signup();
    const res = await api("/connection-kinds", { as: s });
    const hostFields = Object.fromEntries(res.json.map((k: { kind: string; host_fields: string[] }) => [k.kind, k.host_fields]));
    expect(hostFields).toMatchObject({ snowflake: ["base_url", "account"], dbt_cloud: ["base_url"], http: ["base_url"], webhook: ["url"], slack: [] });
    // They are the fields a PATCH checks: moving the webhook's url without its secret is refused naming the secret.
    const teamId = await firstTeamId(s);
    const created = await createWebhookConnection(s, teamId, "hook", "whsec-host-fields");
    const moved = await api(`/connections/${created.id}`, { as: s, method: "PATCH", body: { config: { url: "https://elsewhere.example.com/hook" } } });
    expectError(moved, 400, "validation_failed");
    expect(moved.json.error.details.map((d: { path: string }) => d.path)).toEqual(["secrets.signing_secret"]);
  });
});

describe("connections", () => {
  it("a team member creates a connection; secrets are sealed, write-only, and resolved only for the run engine", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const member = await addMember(owner, "member", { teamId });
    const res = await api("/connections", {
      as: member,
      body: {
        team_id: teamId,
        name: "alerts-hook",
        kind: "webhook",
        description: "Ops webhook",
        config: { url: "https://ops.example.com/hook" },
        secrets: { signing_secret: "whsec-created-value" },
      },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      team_id: teamId,
      name: "alerts-hook",
      kind: "webhook",
      description: "Ops webhook",
      config: { url: "https://ops.example.com/hook" },
      secret_fields: [{ name: "signing_secret", set: true }],
      rotated_at: null,
      last_used_at: null,
      created_by: member.user.id,
    });
    expect(res.json.id).toMatch(/^conn_/);
    expect(res.text).not.toContain("whsec-created-value");

    const row = await (await tenantD1(owner.tenant.id)).prepare("SELECT secrets FROM connections WHERE id = ?").bind(res.json.id).first<{ secrets: string }>();
    expect(row!.secrets).not.toContain("whsec-created-value");
    expect(JSON.parse(row!.secrets).signing_secret).toMatchObject({ v: 1 });

    const ctx = await tenantContext(env, owner.tenant.id);
    expect(await findConnectionByName(ctx, teamId, "alerts-hook")).toMatchObject({ id: res.json.id, secretFieldsSet: ["signing_secret"] });
    const resolved = await resolveConnectionSecrets(ctx, await ring(), teamId, "alerts-hook");
    expect(resolved).toEqual({
      id: res.json.id,
      teamId,
      name: "alerts-hook",
      kind: "webhook",
      config: { url: "https://ops.example.com/hook" },
      secrets: { signing_secret: "whsec-created-value" },
    });
    await recordConnectionUse(ctx, resolved!, { ...usage, attempt: 1 });

    const after = await api(`/connections/${res.json.id}`, { as: member });
    expect(after.json.last_used_at).not.toBeNull();
    const audit = await api(`/audit-log?target_id=${res.json.id}`, { as: owner });
    expect(audit.json.items.map((e: { action: string }) => e.action).sort()).toEqual(["connection.created", "connection.used"]);
    const used = audit.json.items.find((e: { action: string }) => e.action === "connection.used");
    expect(used).toMatchObject({ actor: { type: "system" }, details: { run_id: "run_test", task_key: "notify" } });
  });

  it("config is checked by the kind's schema and secrets by its field list, with paths", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const base = { team_id: teamId, name: "hook", kind: "webhook", config: { url: "https://ok.example.com" }, secrets: { signing_secret: "value-1" } };
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ ...base, config: { url: "ftp://nope", extra: 1 } }, ["config.extra", "config.url"]],
      [{ ...base, config: {} }, ["config.url"]],
      [{ ...base, secrets: {} }, ["secrets.signing_secret"]],
      [{ ...base, secrets: { signing_secret: "v", api_key: "v" } }, ["secrets.api_key"]],
      [{ ...base, secrets: { signing_secret: "" } }, ["secrets.signing_secret"]],
      [{ ...base, kind: "mainframe" }, ["kind"]],
      [{ ...base, name: "Has Spaces" }, ["name"]],
      [{ ...base, team_id: "team_missing" }, ["team_id"]],
    ];
    for (const [body, paths] of cases) {
      const res = await api("/connections", { as: owner, body });
      expectError(res, 400, "validation_failed");
      expect(res.json.error.details.map((d: { path: string }) => d.path).sort(), JSON.stringify(body)).toEqual(paths);
    }
    expect((await api("/connections", { as: owner })).json.items).toEqual([]);
    expect((await api("/connections", { as: owner, body: base })).status).toBe(201);
    const dup = await api("/connections", { as: owner, body: base });
    expectError(dup, 409, "conflict");
    expect(dup.json.error.details[0].path).toBe("name");
  });

  it("only signed-in members of the team (or admins) create and change connections; tokens only read their team's", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const other = await createTeam(owner, "Other");
    const outsider = await addMember(owner, "member", { teamId: other.id });
    const viewer = await addMember(owner, "viewer", { teamId });
    const token = await createToken(owner, teamId);
    const conn = await createWebhookConnection(owner, teamId, "hook", "value-1");
    const body = { team_id: teamId, name: "second", kind: "slack", secrets: { webhook_url: "https://hooks.slack.com/services/x" } };
    for (const as of [outsider, viewer, token.token]) expectError(await api("/connections", { as, body }), 403, "forbidden");
    expect((await api(`/connections/${conn.id}`, { as: token.token })).status).toBe(200);
    expect((await api(`/connections/${conn.id}`, { as: viewer })).status).toBe(200);
    for (const as of [viewer, token.token]) {
      expectError(await api(`/connections/${conn.id}`, { as, method: "PATCH", body: { description: "x" } }), 403, "forbidden");
      expectError(await api(`/connections/${conn.id}/rotate`, { as, body: { secrets: { signing_secret: "y" } } }), 403, "forbidden");
      expectError(await api(`/connections/${conn.id}`, { as, method: "DELETE" }), 403, "forbidden");
    }
    expect((await api(`/connections/${conn.id}`, { as: owner })).json).toMatchObject({ description: "", rotated_at: null });
  });

  it("testing a connection sends its secrets, so it needs the rights that change it: tokens, viewers and other teams get 403 or 404 and nothing is sent", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const other = await createTeam(owner, "Other");
    const outsider = await addMember(owner, "member", { teamId: other.id });
    const viewer = await addMember(owner, "viewer", { teamId });
    const member = await addMember(owner, "member", { teamId });
    const token = await createToken(owner, teamId, ["read", "pipelines:write", "runs:write", "lineage:write", "metadata:write"]);
    const apiToken = `tok-${crypto.randomUUID()}`;
    const conn = await createConnection(
      owner,
      teamId,
      "dbt_cloud",
      "dbt",
      { base_url: fakeUrl("dbt_cloud"), account_id: fakeCredentials.dbt_cloud.accountId },
      { api_token: apiToken },
    );
    const sent = async () => (await fakeRequests("dbt_cloud")).filter((r) => JSON.stringify(r.headers).includes(apiToken)).length;

    for (const as of [token.token, viewer]) expectError(await api(`/connections/${conn.id}/test`, { as, method: "POST" }), 403, "forbidden");
    expectError(await api(`/connections/${conn.id}/test`, { as: outsider, method: "POST" }), 404, "not_found");
    expect(await sent()).toBe(0);

    const res = await api(`/connections/${conn.id}/test`, { as: member, method: "POST" });
    expect(res.status, res.text).toBe(200);
    expect(await sent()).toBe(1);
  });

  it("lists by team, by name, with a cursor", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const other = await createTeam(owner, "Other");
    const c = await createWebhookConnection(owner, teamId, "charlie", "v");
    const a = await createWebhookConnection(owner, teamId, "alpha", "v");
    const b = await createWebhookConnection(owner, other.id, "bravo", "v");
    const first = await api("/connections?limit=2", { as: owner });
    expect(first.json.items.map((x: { id: string }) => x.id)).toEqual([a.id, b.id]);
    const second = await api(`/connections?limit=2&cursor=${first.json.next_cursor}`, { as: owner });
    expect(second.json.items.map((x: { id: string }) => x.id)).toEqual([c.id]);
    expect(second.json.next_cursor).toBeNull();
    const byTeam = await api(`/connections?team_id=${teamId}`, { as: owner });
    expect(byTeam.json.items.map((x: { id: string }) => x.id)).toEqual([a.id, c.id]);
  });

  it("PATCH changes the description and re-validates the config", async () => {
    const owner = await signup();
    const conn = await createWebhookConnection(owner, await firstTeamId(owner), "hook", "v");
    // Another path on the same origin: the signing secret keeps going where it went before.
    const res = await api(`/connections/${conn.id}`, {
      as: owner,
      method: "PATCH",
      body: { description: "Now documented", config: { url: "https://hooks.example.com/v2" } },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ description: "Now documented", config: { url: "https://hooks.example.com/v2" }, rotated_at: null });
    const bad = await api(`/connections/${conn.id}`, { as: owner, method: "PATCH", body: { config: { url: 5 } } });
    expectError(bad, 400, "validation_failed");
    expect(bad.json.error.details[0].path).toBe("config.url");
    const secretsViaPatch = await api(`/connections/${conn.id}`, { as: owner, method: "PATCH", body: { secrets: { signing_secret: "x" } } });
    expectError(secretsViaPatch, 400, "validation_failed");
    expect(secretsViaPatch.json.error.details[0].path).toBe("secrets");
    expect((await api(`/connections/${conn.id}`, { as: owner })).json.config).toEqual({ url: "https://hooks.example.com/v2" });
  });

  it("pointing a connection at another origin needs its secrets entered again, and is audited with both origins", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const old = { authorization: "Basic old-authorization", bearer_token: "old-bearer-token" };
    const created = await api("/connections", {
      as: owner,
      body: { team_id: teamId, name: "api", kind: "http", config: { base_url: "https://api.example.com/v1" }, secrets: old },
    });
    expect(created.status, created.text).toBe(201);
    const ctx = await tenantContext(env, owner.tenant.id);
    const moveTo = { config: { base_url: "https://collector.example.net" } };

    const kept = await api(`/connections/${created.json.id}`, { as: owner, method: "PATCH", body: moveTo });
    expectError(kept, 400, "validation_failed");
    expect(kept.json.error.details.map((d: { path: string }) => d.path)).toEqual(["secrets.authorization", "secrets.bearer_token"]);
    expect(kept.json.error.details[0].message).toContain("config.base_url");
    const partly = await api(`/connections/${created.json.id}`, {
      as: owner,
      method: "PATCH",
      body: { ...moveTo, secrets: { bearer_token: "new-bearer-token" } },
    });
    expect(partly.json.error.details.map((d: { path: string }) => d.path)).toEqual(["secrets.authorization"]);
    // Nothing changed: the stored secrets still belong to the old origin only.
    expect(await resolveConnectionSecrets(ctx, await ring(), teamId, "api")).toMatchObject({
      config: { base_url: "https://api.example.com/v1" },
      secrets: old,
    });

    const fresh = { authorization: "Basic new-authorization", bearer_token: "new-bearer-token" };
    const moved = await api(`/connections/${created.json.id}`, { as: owner, method: "PATCH", body: { ...moveTo, secrets: fresh } });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.json).toMatchObject({ config: { base_url: "https://collector.example.net" }, rotated_at: expect.any(String) });
    expect(await resolveConnectionSecrets(ctx, await ring(), teamId, "api")).toMatchObject({ secrets: fresh });

    const audit = await api(`/audit-log?action=connection.destination_changed&target_id=${created.json.id}`, { as: owner });
    expect(audit.json.items).toHaveLength(1);
    expect(audit.json.items[0].details).toEqual({
      name: "api",
      changed: ["config"],
      destinations: [{ field: "config.base_url", from: "https://api.example.com", to: "https://collector.example.net" }],
      secrets_replaced: ["authorization", "bearer_token"],
    });
    for (const value of [...Object.values(old), ...Object.values(fresh)]) expect(audit.text).not.toContain(value);
  });

  it("a tool connection's inbound webhook secret need not be re-entered when it moves; its API token must", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const created = await api("/connections", {
      as: owner,
      body: {
        team_id: teamId,
        name: "dbt",
        kind: "dbt_cloud",
        config: { base_url: "https://cloud.getdbt.com", account_id: 1 },
        secrets: { api_token: "dbt-token-1", webhook_secret: "whsec-1" },
      },
    });
    expect(created.status, created.text).toBe(201);
    const body = { config: { base_url: "https://emea.dbt.com", account_id: 1 } };
    const missing = await api(`/connections/${created.json.id}`, { as: owner, method: "PATCH", body });
    expect(missing.json.error.details.map((d: { path: string }) => d.path)).toEqual(["secrets.api_token"]);
    expect(
      (await api(`/connections/${created.json.id}`, { as: owner, method: "PATCH", body: { ...body, secrets: { api_token: "dbt-token-2" } } })).status,
    ).toBe(200);
    const ctx = await tenantContext(env, owner.tenant.id);
    expect((await resolveConnectionSecrets(ctx, await ring(), teamId, "dbt"))?.secrets).toEqual({ api_token: "dbt-token-2", webhook_secret: "whsec-1" });
  });

  it("an http connection with credentials needs a base_url: its secrets go to no other origin", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const res = await api("/connections", {
      as: owner,
      body: { team_id: teamId, name: "anywhere", kind: "http", config: {}, secrets: { bearer_token: "token-for-anyone" } },
    });
    expectError(res, 400, "validation_failed");
    expect(res.json.error.details[0].path).toBe("config.base_url");
    const bare = await api("/connections", { as: owner, body: { team_id: teamId, name: "anywhere", kind: "http", config: {}, secrets: {} } });
    expect(bare.status).toBe(201);
    expectError(
      await api(`/connections/${bare.json.id}/rotate`, { as: owner, body: { secrets: { bearer_token: "token-for-anyone" } } }),
      400,
      "validation_failed",
    );
  });

  it("outside local development a connection's host fields must be https, named by field", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const production = { ...env, TUTTI_ENV: "production" };
    const create = (body: unknown) =>
      worker.fetch!(
        new Request(`${BASE}/api/v1/connections`, {
          method: "POST",
          headers: { "content-type": "application/json", cookie: owner.cookie, "x-csrf-token": owner.csrf },
          body: JSON.stringify(body),
        }) as Request<unknown, IncomingRequestCfProperties>,
        production,
        createExecutionContext(),
      );
    const plain = await create({
      team_id: teamId,
      name: "plain",
      kind: "dbt_cloud",
      config: { base_url: "http://cloud.getdbt.com", account_id: 1 },
      secrets: { api_token: "t" },
    });
    expect(plain.status).toBe(400);
    expect(((await plain.json()) as { error: { details: Array<{ path: string }> } }).error.details.map((d) => d.path)).toEqual(["config.base_url"]);
    const slack = await create({
      team_id: teamId,
      name: "slack",
      kind: "slack",
      secrets: { webhook_url: "http://hooks.slack.example/services/T0/B0/plain-secret" },
    });
    const slackError = (await slack.json()) as { error: { details: Array<{ path: string }> } };
    expect(slackError.error.details.map((d) => d.path)).toEqual(["secrets.webhook_url"]);
    expect(JSON.stringify(slackError)).not.toContain("plain-secret");
    expect(
      (
        await create({
          team_id: teamId,
          name: "tls",
          kind: "dbt_cloud",
          config: { base_url: "https://cloud.getdbt.com", account_id: 1 },
          secrets: { api_token: "t" },
        })
      ).status,
    ).toBe(201);
  });

  it("rotation replaces the values sent, keeps the others and records rotated_at", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const created = await api("/connections", {
      as: owner,
      body: {
        team_id: teamId,
        name: "api",
        kind: "http",
        config: { base_url: "https://api.example.com" },
        secrets: { authorization: "Basic old-auth", bearer_token: "old-bearer" },
      },
    });
    expect(created.status, created.text).toBe(201);
    const rotated = await api(`/connections/${created.json.id}/rotate`, { as: owner, body: { secrets: { bearer_token: "new-bearer" } } });
    expect(rotated.status).toBe(200);
    expect(rotated.json.rotated_at).not.toBeNull();
    expect(rotated.text).not.toContain("new-bearer");
    const ctx = await tenantContext(env, owner.tenant.id);
    expect((await resolveConnectionSecrets(ctx, await ring(), teamId, "api"))?.secrets).toEqual({
      authorization: "Basic old-auth",
      bearer_token: "new-bearer",
    });

    const unknown = await api(`/connections/${created.json.id}/rotate`, { as: owner, body: { secrets: { password: "p" } } });
    expectError(unknown, 400, "validation_failed");
    expect(unknown.json.error.details[0].path).toBe("secrets.password");
    expectError(await api(`/connections/${created.json.id}/rotate`, { as: owner, body: { secrets: {} } }), 400, "validation_failed");
    const audit = await api(`/audit-log?action=connection.rotated&target_id=${created.json.id}`, { as: owner });
    expect(audit.json.items).toHaveLength(1);
    expect(audit.json.items[0].details).toEqual({ name: "api", fields: ["bearer_token"] });
  });

  it("a sealed value copied onto another connection does not decrypt there", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const source = await createWebhookConnection(owner, teamId, "source", "the-real-secret");
    await createWebhookConnection(owner, teamId, "target", "decoy");
    await (await tenantD1(owner.tenant.id))
      .prepare("UPDATE connections SET secrets = (SELECT secrets FROM connections WHERE id = ?) WHERE name = 'target' AND team_id = ?")
      .bind(source.id, teamId)
      .run();
    const ctx = await tenantContext(env, owner.tenant.id);
    const failure = await resolveConnectionSecrets(ctx, await ring(), teamId, "target").then(
      () => null,
      (err: Error) => err,
    );
    expect(failure?.message).toMatch(/could not be decrypted/);
    expect(failure?.message).not.toContain("the-real-secret");
  });

  it("DELETE removes the connection and its secrets", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const conn = await createWebhookConnection(owner, teamId, "hook", "v");
    expect((await api(`/connections/${conn.id}`, { as: owner, method: "DELETE" })).status).toBe(204);
    expectError(await api(`/connections/${conn.id}`, { as: owner }), 404, "not_found");
    expect(await (await tenantD1(owner.tenant.id)).prepare("SELECT count(*) AS n FROM connections WHERE id = ?").bind(conn.id).first("n")).toBe(0);
    const ctx = await tenantContext(env, owner.tenant.id);
    expect(await resolveConnectionSecrets(ctx, await ring(), teamId, "hook")).toBeNull();
    // The name is free again.
    expect(
      (
        await api("/connections", {
          as: owner,
          body: { team_id: teamId, name: "hook", kind: "webhook", config: { url: "https://x.example.com" }, secrets: { signing_secret: "v2" } },
        })
      ).status,
    ).toBe(201);
  });
});
