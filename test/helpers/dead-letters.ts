import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import worker from "../../worker/index";

/** Hands messages to the Worker's consumer of a dead-letter queue, as the platform does after the last retry. */
export async function deadLetter(queue: string, messages: Array<{ id: string; body: unknown }>) {
  const batch = createMessageBatch(
    queue,
    messages.map((m) => ({ ...m, timestamp: new Date(), attempts: 6 })),
  );
  const ctx = createExecutionContext();
  await (worker.queue as (b: MessageBatch<unknown>, e: typeof env, c: ExecutionContext) => Promise<void>)(batch as MessageBatch<unknown>, env, ctx);
  return getQueueResult(batch, ctx);
}
