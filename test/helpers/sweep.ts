import { env } from "cloudflare:test";
import { expect } from "vitest";
import { tenantContext } from "../../worker/db/shards";
import { sideOf } from "../../worker/db/sides";
import { tenantD1 } from "./tenant-db";
import { sessionPublicId } from "../../worker/db/repo/accounts/sessions";
import { finishCollectorRun } from "../../worker/db/repo/costs/collectors";
import { newId } from "../../worker/lib/ids";
import { sha256Hex } from "../../worker/lib/hash";
import { recordDeadLetter } from "../../worker/db/repo/platform/dead-letters";
import { storeDelivery } from "../../worker/ingest/webhook-delivery";
import { budgetSignal, listAlerts, sendNotify } from "./alerting";
import { api, signup, type Session } from "./api";
import { addMember, createTeam, createToken } from "./fixtures";
import { addPasskey } from "./mfa";
import { dbtFixture } from "./lineage-fixtures";
import { createToolConnection, pushPipeline, toolTask } from "./pipelines";
import { drain, eventually } from "./wait";

/**
 * Sweeps over the OpenAPI document: the operations come from the app itself (GET /api/v1/openapi.json), so a new
 * route is swept without anyone listing it. What a sweep cannot derive — a real id for each path parameter and a
 * valid body for each JSON operation — comes from the fixture tenant below, and a sweep fails when it meets an
 * operation it cannot fill, so a new route must be added here.
 */

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface Operation {
  method: Method;
  /** Documented path, e.g. `/teams/{id}/members/{userId}`. */
  path: string;
  /** `METHOD /path`: the key of the maps below. */
  key: string;
  secured: boolean;
  /** Keys of its path parameters in `pathValues` (see paramKey). */
  params: string[];
  query: Array<{ name: string; required: boolean }>;
  /** The JSON schema of its body when it takes JSON (references resolved), else null. */
  jsonBody: JsonSchema | null;
  bodyRequired: boolean;
  writes: boolean;
}

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  maxLength?: number;
  additionalProperties?: boolean | JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  $ref?: string;
}

/**
 * A path parameter's key: the segment before it and its name (`teams/{id}`, `members/{userId}`), because `{id}`
 * names a different object under each resource. `/owners/{type}/{id}` gives `owners/{type}` and `{type}/{id}`.
 */
export function paramKeys(path: string): string[] {
  const parts = path.split("/").filter(Boolean);
  return parts.flatMap((part, i) => (part.startsWith("{") ? [`${parts[i - 1]}/${part}`] : []));
}

/** Every operation of the document. */
export async function operations(): Promise<Operation[]> {
  const res = await api("/openapi.json");
  if (res.status !== 200) throw new Error(`GET /openapi.json: ${res.status}`);
  const doc = res.json as { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, JsonSchema> } };
  const resolve = (s: JsonSchema | undefined): JsonSchema | undefined => (s?.$ref ? resolve(doc.components.schemas[s.$ref.split("/").pop()!]) : s);
  const out: Operation[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(ops)) {
      const method = m.toUpperCase() as Method;
      const json = op.requestBody?.content?.["application/json"]?.schema as JsonSchema | undefined;
      out.push({
        method,
        path,
        key: `${method} ${path}`,
        secured: Boolean(op.security?.length),
        params: paramKeys(path),
        query: (op.parameters ?? []).filter((p: any) => p.in === "query").map((p: any) => ({ name: p.name, required: Boolean(p.required) })),
        jsonBody: json ? deref(json, resolve) : null,
        bodyRequired: Boolean(op.requestBody?.required),
        writes: method !== "GET",
      });
    }
  }
  return out;
}

function deref(s: JsonSchema, resolve: (s: JsonSchema | undefined) => JsonSchema | undefined, depth = 0): JsonSchema {
  const r = resolve(s) ?? {};
  if (depth > 6) return r;
  return {
    ...r,
    ...(r.properties ? { properties: Object.fromEntries(Object.entries(r.properties).map(([k, v]) => [k, deref(v, resolve, depth + 1)])) } : {}),
    ...(r.items ? { items: deref(r.items, resolve, depth + 1) } : {}),
    ...(r.anyOf ? { anyOf: r.anyOf.map((x) => deref(x, resolve, depth + 1)) } : {}),
    ...(r.oneOf ? { oneOf: r.oneOf.map((x) => deref(x, resolve, depth + 1)) } : {}),
  };
}

/** The concrete path of an operation with the fixture's ids; throws naming every parameter the map lacks. */
export function fillPath(op: Operation, values: Record<string, string>): string {
  const missing = op.params.filter((k) => values[k] === undefined);
  if (missing.length)
    throw new Error(`${op.key}: no fixture value for path parameter(s) ${missing.join(", ")}; add them to pathValues in test/helpers/sweep.ts`);
  let i = 0;
  return op.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(values[op.params[i++]]));
}

const DUCKDB_MANIFEST = JSON.parse(dbtFixture("duckdb-1.8/manifest.json"));

/** One OpenLineage run event writing `output` (a fresh run each call). */
export function lineageEvent(namespace: string, output: string) {
  return {
    eventType: "COMPLETE",
    eventTime: "2026-01-05T06:00:00.000Z",
    run: { runId: crypto.randomUUID() },
    job: { namespace, name: `write_${output}` },
    inputs: [],
    outputs: [{ namespace, name: output }],
    producer: "https://example.com/sweep",
    schemaURL: "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
  };
}

/**
 * A tenant with one object of every kind the API has ids for, and the people and tokens the sweeps act as: its
 * owner, a viewer, a token with every scope and a read-only token of the first team, and a token of a second team.
 */
export async function fixtureTenant() {
  // At a domain of its own, which the fixture claims for single sign-on (domains belong to one workspace).
  const ssoDomain = `fixture-${crypto.randomUUID().slice(0, 8)}.example`;
  const owner = await signup({ email: `owner@${ssoDomain}` });
  const me = await api("/me", { as: owner });
  const team = me.json.teams[0] as { id: string; slug: string };
  const otherTeam = await createTeam(owner, "Second team");
  const member = await addMember(owner, "member", { teamId: team.id });
  const viewer = await addMember(owner, "viewer");
  const token = await createToken(owner, team.id);
  const readToken = await createToken(owner, team.id, ["read"], "read only");
  const otherTeamToken = await createToken(owner, otherTeam.id);
  const connection = await createToolConnection(owner, team.id);
  // A connection that can collect cost (the collectors' routes refuse other kinds); never called by the sweeps.
  const warehouse = await api("/connections", {
    as: owner,
    body: {
      team_id: team.id,
      name: "swept_snowflake",
      kind: "snowflake",
      config: { base_url: "https://swept.snowflakecomputing.com", account: "swept" },
      secrets: { token: "swept-token" },
    },
  });
  if (warehouse.status !== 201) throw new Error(`fixture snowflake connection: ${warehouse.status} ${warehouse.text}`);
  // One recorded pass of its collector (as the engine records one), so a pass's own route has a real id.
  const collectorPass = await finishCollectorRun(
    await tenantContext(env, owner.tenant.id),
    warehouse.json.id,
    newId("collectorRun"),
    {
      startedAt: 0,
      finishedAt: 0,
      windowFrom: null,
      windowTo: null,
      rowsRead: 0,
      inserted: 0,
      updated: 0,
      unchanged: 0,
      refused: 0,
      usageEvents: 0,
      error: null,
    },
    {},
    0,
  );
  const ok = async (res: Promise<{ status: number; json: any; text: string }>, what: string, status = [200, 201]) => {
    const r = await res;
    if (!status.includes(r.status)) throw new Error(`fixture ${what}: ${r.status} ${r.text}`);
    return r.json;
  };
  const invitation = await ok(api("/invitations", { as: owner, body: { email: `pending-${owner.tenant.slug}@example.com`, role: "viewer" } }), "invitation");

  const pipelineName = "swept_pipeline";
  const pipelineSpec = { name: pipelineName, team: team.slug, schedule: { cron: "0 6 1 1 *" }, tasks: [toolTask("only")] };
  await pushPipeline(owner, pipelineSpec);
  const run = await ok(api(`/pipelines/${pipelineName}/runs`, { as: owner, body: {} }), "run");

  const namespace = `sweep-${owner.tenant.slug}`;
  await ok(api("/lineage", { as: token.token, body: lineageEvent(namespace, "orders") }), "lineage");
  const dataset = (await ok(api(`/datasets?namespace=${namespace}&name=orders`, { as: owner }), "dataset")).items[0];
  const job = (await ok(api(`/jobs?namespace=${namespace}`, { as: owner }), "job")).items[0];
  const jobRun = (await ok(api(`/jobs/${job.id}/runs`, { as: owner }), "job runs")).items[0];

  const dbtProject = "swept_dbt";
  const dbt = await ok(api("/dbt/artifacts", { as: token.token, body: { project: dbtProject, environment: "prod", manifest: DUCKDB_MANIFEST } }), "dbt upload");

  const product = await ok(api("/products", { as: owner, body: { name: "swept_product", owner_team_id: team.id, datasets: [{ id: dataset.id }] } }), "product");
  const budget = await ok(api("/budgets", { as: owner, body: { scope: "team", scope_id: team.id, monthly_limit: 100 } }), "budget");
  // The alert is opened before any channel or rule exists, so no notification is in flight while the sweeps run.
  await sendNotify(budgetSignal(owner.tenant.id, team.id, 100, "2026-01", 120));
  const [alert] = await eventually(async () => {
    const items = await listAlerts(owner);
    expect(items.length, "the fixture alert").toBeGreaterThan(0);
    return items;
  });
  const channel = await ok(
    api("/alert-channels", { as: owner, body: { team_id: team.id, name: "swept-email", kind: "email", recipients: ["oncall@example.com"] } }),
    "channel",
  );
  const rule = await ok(api("/alert-rules", { as: owner, body: { team_id: team.id, name: "swept rule", channel_ids: [channel.id] } }), "rule");
  // A status-page link of the product and an (unconfirmed) e-mail subscriber who came through it.
  const share = await ok(api(`/products/${product.id}/shares`, { as: owner, body: { label: "swept stakeholders" } }), "share link");
  await ok(api(`/status/${share.token}/subscribe`, { body: { email: `subscriber-${owner.tenant.slug}@example.com` } }), "subscription", [202]);
  const subscription = (await ok(api(`/products/${product.id}/subscriptions`, { as: owner }), "subscriptions")).items[0];
  await ok(api(`/teams/${team.id}/environments/staging`, { as: owner, method: "PUT", body: { description: "staging" } }), "environment");
  await ok(api("/pools", { as: owner, body: { name: "swept-pool", slots: 2 } }), "pool");

  // Objects that only Tutti itself creates (tool webhooks, queue failures, alerts) are recorded the way Tutti does.
  const ctx = await tenantContext(env, owner.tenant.id);
  const delivery = await storeDelivery(
    env.BLOBS,
    ctx,
    {
      teamId: team.id,
      connector: "github_actions",
      connectionId: connection.id,
      deliveryId: crypto.randomUUID(),
      eventType: "workflow_run",
      externalId: null,
      receivedAt: Date.now(),
    },
    new TextEncoder().encode("{}"),
  );
  await recordDeadLetter(ctx, {
    queue: "notify",
    messageId: crypto.randomUUID(),
    body: { type: "budget.threshold_crossed", tenantId: owner.tenant.id, teamId: team.id },
    attempts: 8,
    at: Date.now(),
  });
  const deadLetter = (await ok(api("/dead-letters", { as: owner }), "dead letters")).items[0];
  await ok(api("/sso/domains", { as: owner, body: { domain: ssoDomain } }), "claim SSO domain");
  // A finished export, so nothing of it is still being written while the sweeps compare snapshots.
  const workspaceExport = await ok(api("/workspace/exports", { as: owner, method: "POST" }), "export", [202]);
  await eventually(async () => expect((await api(`/workspace/exports/${workspaceExport.id}`, { as: owner })).json.status).toBe("ready"));

  const memberPasskey = await addPasskey(member, "Swept passkey");
  // The run's one task has a stored tool log once its first attempt has been triggered (the http tool's answer).
  await eventually(async () => expect((await api(`/runs/${run.id}/logs`, { as: owner })).json.items).toHaveLength(1), { timeoutMs: 30_000 });

  // A backfill of one slot, ended before the sweeps compare snapshots (nothing of it is still being written).
  const backfill = await ok(
    api(`/pipelines/${pipelineName}/backfills`, { as: owner, body: { from: "2024-01-01T00:00:00Z", to: "2024-01-02T00:00:00Z" } }),
    "backfill",
  );
  await eventually(async () => expect((await api(`/backfills/${backfill.id}`, { as: owner })).json.state).toBe("succeeded"), { timeoutMs: 30_000 });

  /** Path parameter values by key (see paramKeys). */
  const pathValues: Record<string, string> = {
    "teams/{id}": team.id,
    "members/{userId}": member.user.id,
    "invitations/{id}": invitation.invitation.id,
    "tokens/{id}": token.id,
    "connections/{id}": connection.id,
    "collectors/{connection_id}": warehouse.json.id,
    "runs/{pass_id}": collectorPass,
    "pipelines/{name}": pipelineName,
    "versions/{n}": "1",
    "runs/{id}": run.id,
    "backfills/{id}": backfill.id,
    "tasks/{task}": "only",
    "attempts/{attempt}": "1",
    "datasets/{id}": dataset.id,
    "jobs/{id}": job.id,
    "job-runs/{id}": jobRun.id,
    "projects/{project}": dbtProject,
    "projects/{id}": dbt.project.id,
    "uploads/{id}": dbt.upload.id,
    "artifacts/{kind}": "manifest",
    "webhook-deliveries/{id}": delivery.delivery.id,
    "alerts/{id}": alert.id,
    "alert-channels/{id}": channel.id,
    "alert-rules/{id}": rule.id,
    "dead-letters/{id}": deadLetter.id,
    "owners/{type}": "dataset",
    "{type}/{id}": dataset.id,
    "environments/{name}": "staging",
    "pools/{name}": "swept-pool",
    "products/{id}": product.id,
    "shares/{shareId}": share.share.id,
    "subscriptions/{subscriptionId}": subscription.id,
    // The share link's token: the public status routes' credential.
    "status/{token}": share.token,
    "budgets/{id}": budget.id,
    "exports/{id}": workspaceExport.id,
    "domains/{domain}": ssoDomain,
    // The member's passkey: a person's factors are theirs alone, so every other caller gets 404.
    "passkeys/{id}": memberPasskey.authenticator.id,
    // The member's session: ending it must not sign out the people the sweeps act as.
    "sessions/{id}": sessionPublicId(await sha256Hex(member.cookie.replace(/^tutti_session=/, ""))),
  };

  /** Required query parameters of reads, by name. */
  const queryValues: Record<string, string> = { node: dataset.id, from: dataset.id, to: dataset.id, token: "not-a-real-invitation-token" };

  /**
   * A valid body for every operation that takes JSON, naming the fixture's objects: only the check under test
   * (credentials, role, scope, team, or the one bad field) can refuse the call.
   */
  const bodies: Record<string, () => unknown> = {
    "POST /auth/signup": () => ({ email: "swept@example.com", password: "correct horse battery", name: "Swept", tenant_name: "Swept" }),
    "POST /auth/login": () => ({ email: owner.user.email, password: "correct horse battery" }),
    "POST /auth/verify": () => ({ token: "not-a-real-sign-up-link-token" }),
    "POST /auth/password-reset/request": () => ({ email: "swept@example.com" }),
    "POST /auth/password-reset": () => ({ token: "not-a-real-reset-link-token", password: "correct horse battery" }),
    "POST /invitations/accept": () => ({ token: "not-a-real-invitation-token", name: "Swept", password: "correct horse battery" }),
    "POST /teams": () => ({ name: "Swept team" }),
    "POST /me/sign-out-everywhere": () => ({ revoke_tokens: false }),
    "POST /auth/mfa": () => ({ mfa_token: "not-a-real-pending-sign-in-token", code: "123456" }),
    "POST /auth/mfa/passkey-options": () => ({ mfa_token: "not-a-real-pending-sign-in-token" }),
    "POST /me/mfa/totp/confirm": () => ({ code: "123456" }),
    "DELETE /me/mfa/totp": () => ({ password: "correct horse battery" }),
    "POST /me/mfa/recovery-codes": () => ({ password: "correct horse battery" }),
    // A used registration: well-formed, refused by the server (its challenge is gone).
    "POST /me/mfa/passkeys": () => ({ name: "swept", response: memberPasskey.response }),
    "DELETE /me/mfa/passkeys/{id}": () => ({ password: "correct horse battery" }),
    "PUT /workspace/mfa": () => ({ required: false }),
    "PATCH /teams/{id}": () => ({ description: "changed" }),
    "POST /teams/{id}/members": () => ({ user_id: viewer.user.id, role: "member" }),
    "PATCH /teams/{id}/members/{userId}": () => ({ role: "maintainer" }),
    "PATCH /members/{userId}": () => ({ role: "admin" }),
    "POST /invitations": () => ({ email: "swept-invite@example.com", role: "member" }),
    "POST /tokens": () => ({ name: "swept", team_id: team.id, scopes: ["read"] }),
    "POST /connections": () => ({
      team_id: team.id,
      name: "swept",
      kind: "webhook",
      config: { url: "https://hooks.example.com/x" },
      secrets: { signing_secret: "s" },
    }),
    "PATCH /connections/{id}": () => ({ description: "changed" }),
    "POST /connections/{id}/rotate": () => ({ secrets: { bearer_token: "rotated" } }),
    "POST /pipelines": () => ({ spec_text: JSON.stringify({ ...pipelineSpec, description: "changed" }), format: "json" }),
    "POST /pipelines/{name}/runs": () => ({}),
    "POST /pipelines/{name}/backfills": () => ({ from: "2025-01-01T00:00:00Z", to: "2025-01-02T00:00:00Z" }),
    "POST /lineage": () => lineageEvent(namespace, "swept"),
    "POST /lineage/batch": () => [lineageEvent(namespace, "swept")],
    "PATCH /datasets/{id}": () => ({ description: "changed" }),
    "POST /dbt/artifacts": () => ({
      project: dbtProject,
      environment: "prod",
      manifest: { ...DUCKDB_MANIFEST, metadata: { ...DUCKDB_MANIFEST.metadata, invocation_id: crypto.randomUUID() } },
    }),
    "POST /quality": () => ({ results: [{ dataset_id: dataset.id, check: "not_null", status: "pass" }] }),
    "POST /alerts/{id}/resolve": () => ({ reason: "swept" }),
    "POST /alerts/{id}/assign": () => ({ user_id: member.user.id }),
    "POST /alerts/{id}/notes": () => ({ text: "swept" }),
    "POST /alert-channels": () => ({ team_id: team.id, name: "swept", kind: "email", recipients: ["x@example.com"] }),
    "PATCH /alert-channels/{id}": () => ({ enabled: false }),
    "POST /alert-rules": () => ({ team_id: team.id, name: "swept", channel_ids: [channel.id] }),
    "PATCH /alert-rules/{id}": () => ({ enabled: false }),
    "PUT /teams/{id}/environments/{name}": () => ({ description: "changed" }),
    "POST /pools": () => ({ name: "swept-new-pool", slots: 3 }),
    "PATCH /pools/{name}": () => ({ slots: 5 }),
    "POST /ci/impact": () => ({ project: dbtProject, changes: { modified: [], added: [], removed: [] } }),
    "POST /products": () => ({ name: "swept_new", owner_team_id: team.id }),
    "PATCH /products/{id}": () => ({ title: "changed" }),
    "PUT /products/{id}/unused-policy": () => ({ policy: { after_days: 30, action: "pause" } }),
    "POST /products/{id}/shares": () => ({ label: "swept link" }),
    "POST /products/{id}/subscriptions": () => ({ channel_id: channel.id }),
    "POST /status/{token}/subscribe": () => ({ email: "swept-subscriber@example.com" }),
    "POST /status/confirm": () => ({ token: "not-a-real-subscription-link-token" }),
    "POST /status/unsubscribe": () => ({ token: "not-a-real-subscription-link-token" }),
    "POST /costs": () => ({ records: [{ source: "aws", external_ref: "swept", amount: 1, currency: "USD", started_at: "2026-01-05T00:00:00Z" }] }),
    "POST /costs/reattribute": () => ({ from: "2026-01-01", to: "2026-01-31" }),
    "PATCH /cost-settings": () => ({ bigquery_per_tib: 7 }),
    "PUT /collectors/{connection_id}": () => ({ enabled: false, settings: { lookback_days: 3 } }),
    "PATCH /workspace/retention": () => ({ run_event_days: 120 }),
    "POST /usage": () => ({ events: [{ product: product.id, kind: "query", at: "2026-01-05T00:00:00Z" }] }),
    "POST /budgets": () => ({ scope: "product", scope_id: product.id, monthly_limit: 50 }),
    "PATCH /budgets/{id}": () => ({ monthly_limit: 75 }),
    "PATCH /sso": () => ({ default_role: "viewer" }),
    "POST /sso/domains": () => ({ domain: "swept.example" }),
    "PUT /sso/group-mappings": () => ({ mappings: [{ group: "swept", team_id: team.id }] }),
    // Not the fixture's slug: a sweep that gets past every other check must not delete the fixture tenant.
    "POST /workspace/deletion": () => ({ confirm: "not-the-fixture-slug" }),
  };

  return { owner, team, otherTeam, member, viewer, token, readToken, otherTeamToken, pathValues, queryValues, bodies };
}

export type FixtureTenant = Awaited<ReturnType<typeof fixtureTenant>>;

/** The valid body of an operation that takes JSON; throws when the map lacks it, so a new route is added there. */
export function validBody(f: FixtureTenant, op: Operation): unknown {
  if (!op.jsonBody) return undefined;
  const make = f.bodies[op.key];
  if (!make) throw new Error(`${op.key}: no valid body in the bodies map of test/helpers/sweep.ts; add one`);
  return make();
}

/** Calls an operation as `as` with the fixture's path values and, when it takes one, its valid body. */
export function call(
  f: FixtureTenant,
  op: Operation,
  init: { as?: Session | string; headers?: Record<string, string>; body?: unknown; rawBody?: string; path?: string } = {},
) {
  const body = "body" in init || init.rawBody !== undefined ? init.body : validBody(f, op);
  const query = op.query.filter((q) => q.required).map((q) => `${q.name}=${encodeURIComponent(f.queryValues[q.name] ?? "")}`);
  const path = init.path ?? `${fillPath(op, f.pathValues)}${query.length ? `?${query.join("&")}` : ""}`;
  return api(path, {
    method: op.method,
    as: init.as,
    headers: init.headers,
    ...(init.rawBody !== undefined ? { rawBody: init.rawBody } : body !== undefined ? { body } : {}),
  });
}

/** Columns that change when a credential is merely used (a session's last use is written at most once a minute). */
const VOLATILE_COLUMNS = new Set(["last_used_at", "last_seen_at"]);

let tenantTables: Array<{ table: string; columns: string[] }> | null = null;

async function tablesWithTenant() {
  if (tenantTables) return tenantTables;
  const tables = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations' ORDER BY name",
  ).all<{ name: string }>();
  const out: Array<{ table: string; columns: string[] }> = [];
  for (const { name } of tables.results) {
    const cols = (await env.DB.prepare(`SELECT name, type FROM pragma_table_info('${name}')`).all<{ name: string; type: string }>()).results;
    if (!cols.some((c) => c.name === "tenant_id")) continue;
    // Blobs (compressed artifacts) are compared by length; every other column by value.
    out.push({
      table: name,
      columns: cols.filter((c) => !VOLATILE_COLUMNS.has(c.name)).map((c) => (c.type.toUpperCase() === "BLOB" ? `length("${c.name}")` : `"${c.name}"`)),
    });
  }
  tenantTables = out;
  return out;
}

/**
 * Every row of every tenant-owned table (the audit log included), as one comparable text per table: one query on
 * the control database for its tables with a tenant id, one on the tenant's shard for the rest (worker/db/sides.ts).
 */
export async function tenantSnapshot(tenantId: string): Promise<Record<string, string>> {
  const tables = await tablesWithTenant();
  const [control, shard] = await Promise.all([
    snapshotOf(
      env.DB,
      tables.filter((t) => sideOf(t.table) === "control"),
      tenantId,
    ),
    snapshotOf(
      await tenantD1(tenantId),
      tables.filter((t) => sideOf(t.table) === "shard"),
      tenantId,
    ),
  ]);
  return { ...control, ...shard };
}

async function snapshotOf(d1: D1Database, tables: Array<{ table: string; columns: string[] }>, tenantId: string): Promise<Record<string, string>> {
  if (!tables.length) return {};
  const parts = tables.map(
    ({ table, columns }) =>
      `'${table}', (SELECT json_group_array(json_array(${columns.join(", ")})) FROM (SELECT * FROM "${table}" WHERE tenant_id = ?1 ORDER BY rowid))`,
  );
  // SQLite caps a function's arguments (127), so the tables go into several objects merged by json_patch.
  const objects: string[] = [];
  for (let i = 0; i < parts.length; i += 40) objects.push(`json_object(${parts.slice(i, i + 40).join(", ")})`);
  const merged = objects.reduce((acc, o) => `json_patch(${acc}, ${o})`);
  const row = await d1.prepare(`SELECT ${merged} AS snapshot`).bind(tenantId).first<{ snapshot: string }>();
  return Object.fromEntries(Object.entries(JSON.parse(row!.snapshot) as Record<string, unknown>).map(([table, rows]) => [table, JSON.stringify(rows)]));
}

/** Tables whose rows differ between two snapshots, for the failure message. */
export function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys({ ...before, ...after }).filter((t) => before[t] !== after[t]);
}

/**
 * Runs `calls` for each operation and fails if any row of the tenant changed. One snapshot before and after the
 * whole sweep keeps it fast; when something changed, the calls run again one operation at a time to name it.
 */
export async function assertNothingWritten(tenantId: string, list: Operation[], calls: (op: Operation) => Promise<void>) {
  const before = await tenantSnapshot(tenantId);
  for (const op of list) await calls(op);
  // A refused call must not write later either (a queue message, waitUntil work): let all of it finish first.
  await drain();
  const after = await tenantSnapshot(tenantId);
  if (!changedTables(before, after).length) return;
  let previous = after;
  for (const op of list) {
    await calls(op);
    await drain();
    const next = await tenantSnapshot(tenantId);
    expect(changedTables(previous, next), `${op.key} changed these tables`).toEqual([]);
    previous = next;
  }
  expect(changedTables(before, after), "these tables changed during the sweep (no single operation changes them again)").toEqual([]);
}
