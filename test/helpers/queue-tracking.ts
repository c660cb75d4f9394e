import { createMessageBatch } from "cloudflare:test";
import { inject } from "vitest";

/**
 * Counts the queue messages the Worker has sent and not yet settled, so `drain()` (wait.ts) can tell when every
 * queue is idle. The Worker, its Durable Objects, its queue consumer and the tests share one isolate
 * (@cloudflare/vitest-pool-workers), so wrapping the Queue binding's prototype and the exported `queue()` handler
 * here sees every send and every delivery; nothing in worker/ knows about it.
 *
 * A message is outstanding from its send until a delivery settles it: acknowledged, or retried for the last time
 * on a queue without a dead-letter queue. Messages are counted per tenant (every message body of the Worker names
 * its `tenantId`), so a test can wait for its own tenants while a run of an earlier test keeps polling. A last retry on a queue with one moves the message there, still
 * outstanding. Retries follow miniflare's broker: a message is retried if `retry()` was accepted for it, after
 * `retryAll()`, or when the handler threw (even if it was acknowledged first).
 */

/** A `[[queues.consumers]]` entry of wrangler.toml, provided by vitest.config.ts. */
export interface QueueConsumerConfig {
  queue: string;
  max_retries?: number;
  dead_letter_queue?: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    queueConsumers: QueueConsumerConfig[];
  }
}

/** What miniflare retries when wrangler.toml sets no `max_retries` (its queue broker's DEFAULT_RETRIES). */
const MINIFLARE_DEFAULT_RETRIES = 2;

/** The key of messages whose body names no tenant. */
export const NO_TENANT = "";
const tenantOf = (body: unknown) => {
  const tenantId = (body as { tenantId?: unknown } | null)?.tenantId;
  return typeof tenantId === "string" ? tenantId : NO_TENANT;
};

/** Messages sent and not yet settled, by the tenant their body names. */
const outstanding = new Map<string, number>();
/** `waitUntil` work of the Worker's fetch and queue handlers still running (not attributed to a tenant). */
let background = 0;
/** Changes whenever anything above changes, so a caller can tell that nothing happened between two looks. */
let generation = 0;

function count(tenantId: string, by: number) {
  const n = (outstanding.get(tenantId) ?? 0) + by;
  if (n === 0) outstanding.delete(tenantId);
  else outstanding.set(tenantId, n);
  generation++;
}

export interface QueueActivity {
  /** Unsettled messages per tenant id (`NO_TENANT` for bodies without one); tenants with none are absent. */
  outstanding: ReadonlyMap<string, number>;
  background: number;
  generation: number;
}

export const queueActivity = (): QueueActivity => ({ outstanding: new Map(outstanding), background, generation });

/** Bodies of the messages delivered to each queue's consumer (every delivery, retries included). */
const deliveries = new Map<string, unknown[]>();

/** Every delivery so far of `queue` (e.g. `tutti-dispatch`) whose body matches `filter`. */
export const deliveredMessages = <T>(queue: string, filter: (body: T) => boolean = () => true): T[] => ((deliveries.get(queue) ?? []) as T[]).filter(filter);

function track<T>(promise: Promise<T>) {
  background++;
  generation++;
  const done = () => {
    background--;
    generation++;
  };
  promise.then(done, done);
}

/** The handler's ExecutionContext, with `waitUntil` work counted. */
function countingContext(ctx: ExecutionContext): ExecutionContext {
  return new Proxy(ctx, {
    get(target, key) {
      if (key === "waitUntil") {
        return (promise: Promise<unknown>) => {
          track(promise);
          target.waitUntil(promise);
        };
      }
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

type Verdict = "ack" | "retry";

/** Wraps a delivered batch so the handler's acks and retries are seen; `settle` counts what left the queue. */
function observedBatch(batch: MessageBatch<unknown>, consumer: QueueConsumerConfig) {
  const verdicts = new Map<string, Verdict>();
  let all: Verdict | null = null;
  const messages = batch.messages.map((m) => ({
    get id() {
      return m.id;
    },
    get timestamp() {
      return m.timestamp;
    },
    get body() {
      return m.body;
    },
    get attempts() {
      return m.attempts;
    },
    ack() {
      if (!verdicts.has(m.id) && all !== "retry") verdicts.set(m.id, "ack");
      m.ack();
    },
    retry(options?: QueueRetryOptions) {
      if (!verdicts.has(m.id) && all !== "ack") verdicts.set(m.id, "retry");
      m.retry(options);
    },
  }));
  const observed = {
    queue: batch.queue,
    get metadata() {
      return batch.metadata;
    },
    messages: messages as unknown as Message<unknown>[],
    ackAll() {
      all ??= "ack";
      batch.ackAll();
    },
    retryAll(options?: QueueRetryOptions) {
      all ??= "retry";
      batch.retryAll(options);
    },
  } satisfies MessageBatch<unknown>;
  const maxAttempts = (consumer.max_retries ?? MINIFLARE_DEFAULT_RETRIES) + 1;
  const settle = (threw: boolean) => {
    for (const m of batch.messages) {
      const retried = threw || all === "retry" || verdicts.get(m.id) === "retry";
      const leaves = !retried || (m.attempts >= maxAttempts && consumer.dead_letter_queue === undefined);
      if (leaves) count(tenantOf(m.body), -1);
    }
  };
  return { observed, settle };
}

let installed = false;

/**
 * Installs the counting once per isolate (test/helpers/setup.ts): `producer` is any Queue binding (they share one
 * prototype), `worker` the Worker's default export.
 */
export function installQueueTracking(producer: Queue<unknown>, worker: ExportedHandler<any, unknown>) {
  if (installed) return;
  installed = true;
  const consumers = new Map(inject("queueConsumers").map((c) => [c.queue, c]));

  const proto = Object.getPrototypeOf(producer) as Queue<unknown>;
  if (typeof proto.send !== "function" || typeof proto.sendBatch !== "function")
    throw new Error("queue tracking: Queue.send/sendBatch are not on the binding's prototype");
  const send = proto.send;
  const sendBatch = proto.sendBatch;
  // Counted before the send, so a delivery can never settle a message that was not counted yet.
  const counted = async <T>(bodies: unknown[], sending: () => Promise<T>): Promise<T> => {
    for (const body of bodies) count(tenantOf(body), 1);
    try {
      return await sending();
    } catch (err) {
      for (const body of bodies) count(tenantOf(body), -1);
      throw err;
    }
  };
  proto.send = function (this: Queue<unknown>, ...args: Parameters<Queue<unknown>["send"]>) {
    return counted([args[0]], () => send.apply(this, args));
  };
  proto.sendBatch = function (this: Queue<unknown>, messages: Iterable<MessageSendRequest<unknown>>, options?: QueueSendBatchOptions) {
    const list = [...messages];
    return counted(
      list.map((m) => m.body),
      () => sendBatch.call(this, list, options),
    );
  };

  const queue = worker.queue!;
  const fetch = worker.fetch!;
  // A test may hand the handler a batch it built with createMessageBatch (a message that was never sent): not counted.
  const handMade = Object.getPrototypeOf(createMessageBatch("hand-made", []));
  worker.queue = async (batch, env, ctx) => {
    if (Object.getPrototypeOf(batch) === handMade) return queue.call(worker, batch, env, ctx);
    const consumer = consumers.get(batch.queue);
    if (!consumer) throw new Error(`queue tracking: no [[queues.consumers]] entry for ${batch.queue}`);
    const { observed, settle } = observedBatch(batch, consumer);
    deliveries.set(batch.queue, [...(deliveries.get(batch.queue) ?? []), ...batch.messages.map((m) => m.body)]);
    try {
      await queue.call(worker, observed, env, countingContext(ctx));
      settle(false);
    } catch (err) {
      settle(true);
      throw err;
    }
  };
  worker.fetch = (request, env, ctx) => fetch.call(worker, request, env, countingContext(ctx));
}
