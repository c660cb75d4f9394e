import { inject } from "vitest";

/**
 * Counts the queue messages the Worker has sent and not yet settled, so `drain()` (wait.ts) can tell when every
 * queue is idle. The Worker, its Durable Objects, its queue consumer and the tests share one isolate
 * (@cloudflare/vitest-pool-workers), so wrapping the Queue binding's prototype and the exported `queue()` handler
 * here sees every send and every delivery; nothing in worker/ knows about it.
 *
 * A message is outstanding from its send until a delivery settles it: acknowledged, or retried for the last time
 * on a queue without a dead-letter queue. A last retry on a queue with one moves the message there, still
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

interface Activity {
  /** Messages sent and not yet settled, on any queue. */
  outstanding: number;
  /** `queue()` invocations running now. */
  deliveries: number;
  /** `waitUntil` work of the Worker's fetch and queue handlers still running. */
  background: number;
  /** Changes whenever any of the above changes, so a caller can tell that nothing happened between two looks. */
  generation: number;
}

const activity: Activity = { outstanding: 0, deliveries: 0, background: 0, generation: 0 };

function change(field: "outstanding" | "deliveries" | "background", by: number) {
  activity[field] += by;
  activity.generation++;
}

export const queueActivity = (): Readonly<Activity> => ({ ...activity });

function track<T>(promise: Promise<T>) {
  change("background", 1);
  promise.then(
    () => change("background", -1),
    () => change("background", -1),
  );
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
      if (leaves) change("outstanding", -1);
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
  if (typeof proto.send !== "function" || typeof proto.sendBatch !== "function") throw new Error("queue tracking: Queue.send/sendBatch are not on the binding's prototype");
  const send = proto.send;
  const sendBatch = proto.sendBatch;
  const counted = async <T>(n: number, sending: () => Promise<T>): Promise<T> => {
    change("outstanding", n);
    try {
      return await sending();
    } catch (err) {
      change("outstanding", -n);
      throw err;
    }
  };
  proto.send = function (this: Queue<unknown>, ...args: Parameters<Queue<unknown>["send"]>) {
    return counted(1, () => send.apply(this, args));
  };
  proto.sendBatch = function (this: Queue<unknown>, messages: Iterable<MessageSendRequest<unknown>>, options?: QueueSendBatchOptions) {
    const list = [...messages];
    return counted(list.length, () => sendBatch.call(this, list, options));
  };

  const queue = worker.queue!;
  const fetch = worker.fetch!;
  worker.queue = async (batch, env, ctx) => {
    const consumer = consumers.get(batch.queue);
    if (!consumer) throw new Error(`queue tracking: no [[queues.consumers]] entry for ${batch.queue}`);
    const { observed, settle } = observedBatch(batch, consumer);
    change("deliveries", 1);
    try {
      await queue.call(worker, observed, env, countingContext(ctx));
      settle(false);
    } catch (err) {
      settle(true);
      throw err;
    } finally {
      change("deliveries", -1);
    }
  };
  worker.fetch = (request, env, ctx) => fetch.call(worker, request, env, countingContext(ctx));
}
