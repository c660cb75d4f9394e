import { alertDispatchDeadLettered, noteNotifyDeadLetter } from "../alerting/dead-letter-alerts";
import { recordDeadLetter } from "../db/repo/platform/dead-letters";
import { getDeletion } from "../db/repo/platform/tenant-jobs";
import { tenantRuns } from "../durable/client";
import { unwrap } from "../durable/result";
import type { Env } from "../env";
import type { DispatchMessage } from "./messages";
import { errorFields, log } from "../lib/log";
import { controlDb, tenantContext } from "../db/shards";

/** `max_retries` of the dead-letter consumers in wrangler.toml. */
const DEAD_LETTER_MAX_RETRIES = 50;

/**
 * Messages that exhausted their retries land here. They are kept in D1 (visible in the dashboard),
 * and a dead dispatch fails its task attempt so the run does not hang waiting for it, and raises an alert.
 */
export async function handleDeadLetters(batch: MessageBatch<unknown>, env: Env, sourceQueue: string) {
  const db = controlDb(env);
  for (const message of batch.messages) {
    const body = message.body as Record<string, unknown> & { tenantId?: string };
    try {
      if (typeof body?.tenantId === "string" && (await getDeletion(db, body.tenantId))) {
        // The tenant is deleted (or being deleted): a message of its runs that died meanwhile must not write its rows again.
        log.info("dead letter of a deleted tenant dropped", { queue: sourceQueue, message_id: message.id, tenant_id: body.tenantId });
      } else if (typeof body?.tenantId === "string") {
        const ctx = await tenantContext(env, body.tenantId);
        await recordDeadLetter(ctx, { queue: sourceQueue, messageId: message.id, body, attempts: message.attempts, at: Date.now() });
        if (sourceQueue === "dispatch") {
          unwrap(await tenantRuns(env, body.tenantId).dispatchDeadLettered(body.tenantId, body as unknown as DispatchMessage));
          await alertDispatchDeadLettered(env, ctx, body as unknown as DispatchMessage, Date.now());
        } else if (sourceQueue === "notify") {
          await noteNotifyDeadLetter(ctx, body, Date.now());
        }
      } else {
        // No tenant to file it under: it cannot be shown to anyone, so the log keeps the whole message for operators.
        log.error("dead letter without tenant", { queue: sourceQueue, message_id: message.id, body });
      }
      message.ack();
    } catch (err) {
      const last = message.attempts >= DEAD_LETTER_MAX_RETRIES;
      // Before the platform gives up on it, the log keeps the message itself: a dead letter is never dropped unseen.
      log.error(last ? "dead letter could not be recorded; giving up" : "dead letter handling failed", {
        queue: sourceQueue,
        message_id: message.id,
        attempts: message.attempts,
        ...errorFields(err),
        ...(last ? { body } : {}),
      });
      message.retry();
    }
  }
}
