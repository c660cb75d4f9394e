import { describe, expect, it } from "vitest";
import { airbyteWebhook } from "../../../worker/connectors/airbyte/webhook";
import { databricksWebhook } from "../../../worker/connectors/databricks/webhook";
import { dbtCloudWebhook } from "../../../worker/connectors/dbt-cloud/webhook";
import { fivetranWebhook } from "../../../worker/connectors/fivetran/webhook";
import { gitHubWebhook } from "../../../worker/connectors/github-actions/webhook";
import type { WebhookRequest } from "../../../worker/connectors/types";
import { verifyHmacSha256Hex } from "../../../worker/connectors/webhook-signature";
import { hmacHex } from "../../../worker/lib/hash";
import { sign, webhookFixture } from "../../helpers/webhook-fixtures";

const SECRET = "s3cret";
const bytes = (text: string) => new TextEncoder().encode(text);
const request = (body: string, headers: Record<string, string> = {}, url = "https://tutti.test/webhooks/x/conn_1"): WebhookRequest => ({
  headers: new Headers(headers),
  url: new URL(url),
  body: bytes(body),
});

describe("HMAC signature check", () => {
  it("accepts the exact hex, prefix and case only", async () => {
    const body = bytes('{"a":1}');
    const hex = await hmacHex("SHA-256", SECRET, body);
    expect(await verifyHmacSha256Hex(SECRET, body, hex)).toBe(true);
    expect(await verifyHmacSha256Hex(SECRET, body, hex.toUpperCase())).toBe(false);
    expect(await verifyHmacSha256Hex(SECRET, body, hex.toUpperCase(), { upper: true })).toBe(true);
    expect(await verifyHmacSha256Hex(SECRET, body, `sha256=${hex}`, { prefix: "sha256=" })).toBe(true);
    expect(await verifyHmacSha256Hex(SECRET, body, hex, { prefix: "sha256=" })).toBe(false);
    expect(await verifyHmacSha256Hex("other", body, hex)).toBe(false);
    expect(await verifyHmacSha256Hex(SECRET, bytes('{"a":2}'), hex)).toBe(false);
    expect(await verifyHmacSha256Hex(SECRET, body, null)).toBe(false);
    expect(await verifyHmacSha256Hex("", body, hex)).toBe(false);
  });

  it("signs the raw bytes: re-serialised JSON with the same meaning does not verify", async () => {
    const body = webhookFixture("dbt_cloud_job_run_started.json");
    const headers = await sign.dbt_cloud(body, SECRET);
    expect(await dbtCloudWebhook.verify(request(body, headers), SECRET)).toBe(true);
    expect(await dbtCloudWebhook.verify(request(JSON.stringify(JSON.parse(body)), headers), SECRET)).toBe(false);
  });
});

describe("webhook payloads → events", () => {
  it("dbt Cloud: eventId dedupes, runId (a string) matches, started means running, completed/errored ask for a status check", async () => {
    const started = await dbtCloudWebhook.parse(request(webhookFixture("dbt_cloud_job_run_started.json")));
    expect(started).toEqual({ deliveryId: "wev_2L6Z3l8uPedXKPq9D2nWbPIip7Z", externalId: "12345", type: "job.run.started", outcome: { status: "running" } });
    for (const name of ["dbt_cloud_job_run_completed_success.json", "dbt_cloud_job_run_completed_errored.json", "dbt_cloud_job_run_errored.json"]) {
      expect((await dbtCloudWebhook.parse(request(webhookFixture(name)))).outcome).toEqual({ status: "running", pollAfterMs: 0 });
    }
    const testPing = await dbtCloudWebhook.parse(request(JSON.stringify({ eventId: "wev_x", eventType: "job.run.started", data: { runId: "1" } })));
    expect(testPing.outcome).toBeNull();
  });

  it("Fivetran: dedupe key from event, sync id, connection and time; connector_id or connection_id", async () => {
    const end = await fivetranWebhook.parse(request(webhookFixture("fivetran_sync_end_failure_with_task.json")));
    expect(end).toEqual({
      deliveryId: "sync_end:syn_def456:conn_abc123:2026-05-26T10:00:00.000Z",
      externalId: "conn_abc123",
      type: "sync_end",
      outcome: { status: "running", pollAfterMs: 0 },
    });
    const start = await fivetranWebhook.parse(request(webhookFixture("fivetran_sync_start.json")));
    expect(start.outcome).toEqual({ status: "running" });
    const renamed = await fivetranWebhook.parse(
      request(JSON.stringify({ event: "sync_end", created: "2026-01-01T00:00:00Z", connection_id: "abc", sync_id: "s" })),
    );
    expect(renamed.externalId).toBe("abc");
    const other = await fivetranWebhook.parse(request(JSON.stringify({ event: "edit_connector", created: "2026-01-01T00:00:00Z", connector_id: "abc" })));
    expect(other.outcome).toBeNull();
  });

  it("Airbyte: verified by the URL token; job notifications keyed by connection, job and success; pings carry no run", async () => {
    const body = webhookFixture("airbyte_job_failure.json");
    expect(await airbyteWebhook.verify(request(body, {}, `https://t/webhooks/airbyte/c?token=${SECRET}`), SECRET)).toBe(true);
    expect(await airbyteWebhook.verify(request(body, {}, "https://t/webhooks/airbyte/c?token=nope"), SECRET)).toBe(false);
    expect(await airbyteWebhook.verify(request(body), SECRET)).toBe(false);
    expect(await airbyteWebhook.parse(request(body))).toEqual({
      deliveryId: "64d901a1-2520-4d91-93c8-9df438668ff0:9988:false",
      externalId: "9988",
      type: "sync.failed",
      outcome: { status: "running", pollAfterMs: 0 },
    });
    expect((await airbyteWebhook.parse(request(webhookFixture("airbyte_cloud_job_payload_success.json")))).externalId).toBe("20441143");
    const ping = await airbyteWebhook.parse(request(webhookFixture("airbyte_test_hello_world_failure.json")));
    expect(ping).toMatchObject({ externalId: null, type: "notification", outcome: null });
    expect(ping.deliveryId).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("GitHub: the signed body dedupes, not the unsigned X-GitHub-Delivery; workflow_run and workflow_job map to the run id", async () => {
    const body = webhookFixture("github_workflow_run_completed.payload.json");
    const headers = await sign.github_actions(body, SECRET, "workflow_run", "d-1");
    expect(await gitHubWebhook.verify(request(body, headers), SECRET)).toBe(true);
    const completed = await gitHubWebhook.parse(request(body, headers));
    expect(completed).toEqual({
      deliveryId: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      externalId: "289782451",
      type: "workflow_run.completed",
      outcome: { status: "running", pollAfterMs: 0 },
    });
    // A replay of the same signed body under a fresh delivery GUID is the same delivery.
    const replayed = await gitHubWebhook.parse(request(body, { ...headers, "x-github-delivery": "d-forged" }));
    expect(replayed.deliveryId).toBe(completed.deliveryId);
    const requested = await gitHubWebhook.parse(
      request(webhookFixture("github_workflow_run_requested.payload.json"), { "x-github-event": "workflow_run", "x-github-delivery": "d-2" }),
    );
    expect(requested.outcome).toEqual({ status: "running" });
    const job = await gitHubWebhook.parse(
      request(webhookFixture("github_workflow_job_completed_failure.payload.json"), { "x-github-event": "workflow_job", "x-github-delivery": "d-3" }),
    );
    expect(job).toMatchObject({ externalId: "2202229078", type: "workflow_job.completed", outcome: { status: "running" } });
    expect((await gitHubWebhook.parse(request("{}", { "x-github-event": "ping", "x-github-delivery": "d-4" }))).outcome).toBeNull();
  });

  it("Databricks: basic auth as user tutti with the webhook secret; run id + notification type dedupe", async () => {
    const body = JSON.stringify({ event_type: "jobs.on_failure", workspace_id: "1", run: { run_id: 77 }, job: { job_id: 5, name: "etl" } });
    const basic = (u: string, p: string) => ({ authorization: `Basic ${btoa(`${u}:${p}`)}` });
    expect(await databricksWebhook.verify(request(body, basic("tutti", SECRET)), SECRET)).toBe(true);
    expect(await databricksWebhook.verify(request(body, basic("tutti", "guess")), SECRET)).toBe(false);
    expect(await databricksWebhook.verify(request(body, basic("admin", SECRET)), SECRET)).toBe(false);
    expect(await databricksWebhook.verify(request(body, { authorization: "Basic !!!" }), SECRET)).toBe(false);
    expect(await databricksWebhook.parse(request(body))).toEqual({
      deliveryId: "77:jobs.on_failure",
      externalId: "77",
      type: "jobs.on_failure",
      outcome: { status: "running", pollAfterMs: 0 },
    });
    const started = await databricksWebhook.parse(request(JSON.stringify({ event_type: "jobs.on_start", run: { run_id: 77 } })));
    expect(started.outcome).toEqual({ status: "running" });
  });
});
