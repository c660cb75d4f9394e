import { tenantContext } from "../../worker/db/shards";
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { WebhookMessage } from "../../worker/queues/webhook-messages";
import { api, expectError } from "../helpers/api";
import { deadLetter } from "../helpers/dead-letters";
import { storeDelivery } from "../../worker/ingest/webhook-delivery";
import { fakeCredentials } from "../fakes/credentials";
import { waitForRun } from "../helpers/engine";
import { pushPipeline, setupTenant } from "../helpers/pipelines";
import { createConnection, deliveries, fakePlan, fakeUrl, startRun, uniqueNumber } from "../helpers/tool-fakes";
import { drain } from "../helpers/wait";

const dbt = fakeCredentials.dbt_cloud;

describe("dead letters", () => {
  it("a dead webhook hand-over is redelivered to the webhooks queue and reaches its run", async () => {
    const { s, team } = await setupTenant();
    const conn = await createConnection(
      s,
      team.id,
      "dbt_cloud",
      "dbt-cloud",
      { base_url: fakeUrl("dbt_cloud"), account_id: dbt.accountId },
      { api_token: dbt.api_token, webhook_secret: "whsec" },
    );
    const job = uniqueNumber();
    const toolRun = uniqueNumber();
    await fakePlan("dbt_cloud", job, { run_id: toolRun, polls: 1000 });
    await pushPipeline(s, {
      name: "dead_hand_over",
      team: team.slug,
      tasks: [{ id: "build", connector: "dbt_cloud", connection: "dbt-cloud", with: { job_id: job, collect_artifacts: false }, poll_interval: "1h" }],
    });
    const run = await startRun(s, "dead_hand_over");
    await waitForRun(s, run.id, (r) => r.tasks[0].status === "triggered");
    // The receiver stored the delivery; its hand-over to the engine then died in the queue.
    const stored = await storeDelivery(
      env.BLOBS,
      await tenantContext(env, s.tenant.id),
      {
        teamId: team.id,
        connector: "dbt_cloud",
        connectionId: conn.id,
        deliveryId: "wev_dead_letter_1",
        eventType: "job.run.started",
        externalId: String(toolRun),
        receivedAt: Date.now(),
      },
      new TextEncoder().encode("{}"),
    );
    const message: WebhookMessage = {
      tenantId: s.tenant.id,
      teamId: team.id,
      connector: "dbt_cloud",
      connectionId: conn.id,
      deliveryId: "wev_dead_letter_1",
      eventType: "job.run.started",
      storedId: stored.delivery.id,
      externalId: String(toolRun),
      outcome: { status: "running" },
    };
    const result = await deadLetter("tutti-webhooks-dlq", [{ id: "dlq-webhook-1", body: message }]);
    expect(result.explicitAcks).toEqual(["dlq-webhook-1"]);

    const view = (await api("/dead-letters?queue=webhooks", { as: s })).json.items;
    expect(view).toHaveLength(1);
    expect(view[0]).toMatchObject({ queue: "webhooks", message_type: "webhook", team_id: team.id, redeliverable: true });
    expect(view[0].description).toContain("dbt_cloud webhook (job.run.started)");

    const redelivered = await api(`/dead-letters/${view[0].id}/redeliver`, { as: s, method: "POST" });
    expect(redelivered.status).toBe(200);
    expect(redelivered.json).toMatchObject({ redeliverable: false });
    await drain();
    const items = await deliveries(s, "?connector=dbt_cloud");
    expect(items).toEqual([expect.objectContaining({ delivery_id: "wev_dead_letter_1", copies: 1, matched: { run_id: run.id, task_key: "build" } })]);
    expect((await waitForRun(s, run.id, () => true)).tasks[0].status).toBe("running");
    expectError(await api(`/dead-letters/${view[0].id}/redeliver`, { as: s, method: "POST" }), 409, "conflict");
  });
});
