import { workerFetch } from "../helpers/worker-fetch";
import { describe, expect, it } from "vitest";
import { api, BASE, expectError, signup } from "../helpers/api";
import { tenantD1 } from "../helpers/tenant-db";
import { firstTeamId } from "../helpers/fixtures";
import { lineageRowCounts, lineageTenant, postEvent } from "../helpers/lineage";
import { dbtFixture } from "../helpers/lineage-fixtures";

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
    const stored = await (await tenantD1(owner.tenant.id))
      .prepare("SELECT response_body FROM idempotency_keys WHERE tenant_id = ?")
      .bind(owner.tenant.id)
      .all<{ response_body: string }>();
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
    const stored = await (await tenantD1(owner.tenant.id))
      .prepare("SELECT response_body FROM idempotency_keys WHERE tenant_id = ?")
      .bind(owner.tenant.id)
      .all<{ response_body: string }>();
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
    const stored = await (await tenantD1(owner.tenant.id))
      .prepare("SELECT response_body FROM idempotency_keys WHERE tenant_id = ?")
      .bind(owner.tenant.id)
      .all<{ response_body: string }>();
    expect(JSON.stringify(stored.results)).not.toContain(first.json.token);
  });
});

describe("Idempotency-Key on the streamed ingest routes", () => {
  const event = (runId: string) =>
    JSON.stringify({
      eventType: "COMPLETE",
      eventTime: new Date().toISOString(),
      run: { runId },
      job: { namespace: "idem", name: "build_orders" },
      inputs: [],
      outputs: [{ namespace: "warehouse", name: "orders" }],
      producer: "https://example.com/idem",
      schemaURL: "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    });

  it("a repeated OpenLineage POST is answered from the first response and stores one event; another body is a conflict", async () => {
    const { s, token } = await lineageTenant();
    const k = key();
    const body = event("00000000-0000-4000-8000-00000000e001");
    const first = await postEvent(token, body, { "idempotency-key": k });
    expect(first.status).toBe(201);
    const second = await postEvent(token, body, { "idempotency-key": k });
    expect(second.status).toBe(201);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(second.json).toEqual(first.json);
    expect((await lineageRowCounts(s.tenant.id)).lineage_events).toBe(1);
    expectError(await postEvent(token, event("00000000-0000-4000-8000-00000000e002"), { "idempotency-key": k }), 409, "conflict");
    expect((await lineageRowCounts(s.tenant.id)).lineage_events).toBe(1);
  });

  it("a repeated dbt artifact upload (multipart) is answered from the first response and stores one upload", async () => {
    const { s, token } = await lineageTenant();
    const k = key();
    const form = new FormData();
    form.append("project", "jaffle");
    form.append("environment", "prod");
    form.append("manifest", new Blob([dbtFixture("duckdb-1.8/manifest.json")], { type: "application/json" }), "manifest.json");
    // A retrying client sends the same bytes (the multipart boundary included).
    const encoded = new Response(form);
    const bytes = await encoded.arrayBuffer();
    const send = () =>
      workerFetch(`${BASE}/api/v1/dbt/artifacts`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "idempotency-key": k, "content-type": encoded.headers.get("content-type")! },
        body: bytes,
      });
    const first = await send();
    expect(first.status).toBe(201);
    const firstBody = await first.text();
    const second = await send();
    expect(second.status).toBe(201);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(await second.text()).toBe(firstBody);
    expect((await lineageRowCounts(s.tenant.id)).dbt_uploads).toBe(1);
  });
});
