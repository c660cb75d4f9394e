import type { TenantCtx } from "../db/client";
import { getAlert } from "../db/repo/alerting/alerts";
import type { Env } from "../env";
import type { AlertWatchPayload } from "../queues/notify-messages";
import { checkDeadline, recheck } from "./freshness";
import { escalate } from "./escalation";
import { queueDeliveries } from "./delivery-queue";

function isAlertWatch(payload: Record<string, unknown>): payload is AlertWatchPayload {
  return payload.kind === "freshness" || payload.kind === "freshness_recheck" || payload.kind === "escalate" || payload.kind === "deliver";
}

/**
 * A Durable Object watch alerting armed came due (`engine.watch_due`). Watches armed by other parts of Tutti carry
 * other payloads and are left alone. `at` is the engine's clock, which tests move.
 */
export async function handleWatch(env: Env, ctx: TenantCtx, payload: Record<string, unknown>, at: number): Promise<boolean> {
  if (!isAlertWatch(payload)) return false;
  switch (payload.kind) {
    case "freshness":
      await checkDeadline(env, ctx, payload.datasetId, payload.deadline, at);
      return true;
    case "freshness_recheck":
      await recheck(env, ctx, payload.datasetId, at);
      return true;
    case "escalate": {
      const alert = await getAlert(ctx, payload.alertId);
      if (alert) await escalate(env, ctx, alert, payload.level, at);
      return true;
    }
    case "deliver":
      // Quiet hours are over: the held delivery goes out now.
      await queueDeliveries(env, ctx.tenantId, [{ id: payload.deliveryId, notBefore: null }], at);
      return true;
    default: {
      const never: never = payload;
      throw new Error(`unknown alert watch ${JSON.stringify(never)}`);
    }
  }
}
