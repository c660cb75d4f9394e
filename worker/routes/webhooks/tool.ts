import { Hono, type Context } from "hono";
import type { ConnectorDefinition, WebhookEvent, WebhookSupport } from "../../connectors/types";
import type { AppEnv } from "../../context";
import { tenantCtx, type TenantCtx } from "../../db/client";
import type { SealedConnection } from "../../db/repo/connection-secrets";
import { markDeliveryMatched, recordDelivery } from "../../db/repo/webhook-deliveries";
import { tenantRuns } from "../../durable/client";
import { loadKeyRing } from "../../lib/envelope";
import { ApiError } from "../../lib/errors";
import { webhookConnection } from "./connection-cache";

type WebhookConnector = ConnectorDefinition<unknown, unknown> & { webhook: WebhookSupport };

/**
 * `POST /webhooks/<kind>/<connectionId>`: a tool's webhook. Verified with the connection's signing secret over
 * the raw bytes; unknown connection → 404; bad or missing proof → 401 and nothing stored. A verified delivery
 * is stored once per delivery id (insert-or-ignore: of N concurrent copies one inserts), and only the copy that
 * inserted hands its outcome to the tenant's engine, which applies it to the task run with that external id or
 * parks it until a trigger response names one. A hint lost between storing and handing over (the Worker
 * stopped) is covered by polling, which always continues.
 */
export function toolWebhookRouter(connector: WebhookConnector) {
  return new Hono<AppEnv>().post(`/${connector.kind}/:connectionId`, async (c) => {
    const found = await webhookConnection(c.get("db"), () => loadKeyRing(c.env.TUTTI_MASTER_KEY), c.req.param("connectionId"), connector.webhook.secretField, c.get("clock").now());
    if (!found || found.conn.kind !== connector.kind) throw new ApiError("not_found", `no ${connector.kind} connection with this id`);
    const { conn, secret } = found;
    const body = new Uint8Array(await c.req.arrayBuffer());
    const request = { headers: c.req.raw.headers, url: new URL(c.req.url), body };
    if (!secret) throw new ApiError("unauthorized", `the connection has no ${connector.webhook.secretField}; set one to receive webhooks`);
    if (!(await connector.webhook.verify(request, secret))) throw new ApiError("unauthorized", "webhook signature does not match");

    const event = await connector.webhook.parse(request);
    const ctx = tenantCtx(c.get("db"), conn.tenantId);
    const stored = await recordDelivery(ctx, {
      teamId: conn.teamId,
      connector: connector.kind,
      connectionId: conn.id,
      deliveryId: event.deliveryId,
      eventType: event.type,
      externalId: event.externalId,
      receivedAt: c.get("clock").now(),
      payload: new TextDecoder().decode(body),
      payloadBytes: body.byteLength,
    });
    if (!stored.inserted) {
      const { existing } = stored;
      return respond(c, existing.id, true, existing.matchedRunId ? { runId: existing.matchedRunId, taskKey: existing.matchedTaskKey ?? "" } : null);
    }
    return respond(c, stored.id, false, await handOver(c, ctx, conn, connector.kind, stored.id, event));
  });
}

/** Gives the event to the tenant's engine (when it concerns a run) and records the task run it was applied to. */
async function handOver(c: Context<AppEnv>, ctx: TenantCtx, conn: SealedConnection, kind: string, id: string, event: WebhookEvent) {
  if (!event.outcome || !event.externalId) return null;
  const { matched } = await tenantRuns(c.env, conn.tenantId).reportWebhook({
    tenantId: conn.tenantId,
    connector: kind,
    externalId: event.externalId,
    deliveryId: `${conn.id}:${event.deliveryId}`,
    outcome: event.outcome,
  });
  if (matched) await markDeliveryMatched(ctx, id, matched);
  return matched;
}

function respond(c: Context<AppEnv>, id: string, duplicate: boolean, matched: { runId: string; taskKey: string } | null) {
  return c.json({ ok: true, id, duplicate, matched: matched ? { run_id: matched.runId, task_key: matched.taskKey } : null }, 200);
}
