import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../worker/index";
import type { WebhookMessage } from "../../worker/queues/webhook-messages";
import { api, expectError } from "../helpers/api";
import { setupTenant } from "../helpers/pipelines";
import { createConnection, fakeUrl, waitForDeliveries } from "../helpers/tool-fakes";

/** Hands messages to the Worker's consumer of a dead-letter queue, as the platform does after the last retry. */
async function deadLetter(queue: string, messages: Array<{ id: string; body: unknown }>) {
  const batch = createMessageBatch(queue, messages.map((m) => ({ ...m, timestamp: new Date(), attempts: 6 })));
  const ctx = createExecutionContext();
  await (worker.queue as (b: MessageBatch<unknown>, e: typeof env, c: ExecutionContext) => Promise<void>)(batch as MessageBatch<unknown>, env, ctx);
  return getQueueResult(batch, ctx);
}

describe("dead letters", () => {
  it("a dead tool webhook is redelivered to the webhooks queue, where it is stored once", async () => {
    const { s, team } = await setupTenant();
    const conn = await createConnection(s, team.id, "dbt_cloud", "dbt", { base_url: fakeUrl("dbt_cloud"), account_id: 1 }, { api_token: "t", webhook_secret: "whsec" });
    const message: WebhookMessage = {
      tenantId: s.tenant.id,
      teamId: team.id,
      connector: "dbt_cloud",
      connectionId: conn.id,
      deliveryId: "wev_dead_letter_1",
      eventType: "job.run.completed",
      externalId: "424242",
      outcome: null,
      receivedAt: Date.now(),
      payload: JSON.stringify({ eventId: "wev_dead_letter_1", eventType: "job.run.completed", data: { runId: "424242" } }),
      payloadBytes: 90,
    };
    const result = await deadLetter("tutti-webhooks-dlq", [{ id: "dlq-webhook-1", body: message }]);
    expect(result.explicitAcks).toEqual(["dlq-webhook-1"]);

    const view = (await api("/dead-letters?queue=webhooks", { as: s })).json.items;
    expect(view).toHaveLength(1);
    expect(view[0]).toMatchObject({ queue: "webhooks", message_type: "webhook", team_id: team.id, redeliverable: true });
    expect(view[0].description).toContain("dbt_cloud webhook (job.run.completed)");

    const redelivered = await api(`/dead-letters/${view[0].id}/redeliver`, { as: s, method: "POST" });
    expect(redelivered.status).toBe(200);
    expect(redelivered.json).toMatchObject({ redeliverable: false });
    const stored = await waitForDeliveries(s, (items) => items.length === 1, "?connector=dbt_cloud");
    expect(stored[0]).toMatchObject({ delivery_id: "wev_dead_letter_1", external_id: "424242", event_type: "job.run.completed" });
    expectError(await api(`/dead-letters/${view[0].id}/redeliver`, { as: s, method: "POST" }), 409, "conflict");
  });
});
