import { expect } from "vitest";
import { everyD1 } from "./tenant-db";
import { eventually } from "./wait";

/**
 * Holds every D1 batch with a statement matching `writes` until `release()` says so, while `send` runs; returns
 * what `send` returns. Each held batch is counted in `arrivals()` first. D1 is restored after.
 *
 * The test and the Worker share one `env`, so wrapping the bindings here is what the Worker's requests see. Each held
 * batch waits in its own request by polling: workerd forbids one request to resolve a promise another request is
 * waiting on. Should the release never come, a held batch goes on after `deadlineMs` so the test fails on its
 * assertions instead of hanging.
 */
async function holdingWrites<T>(
  writes: RegExp,
  release: (arrived: number) => boolean,
  send: (arrivals: () => number) => Promise<T>,
  deadlineMs: number,
): Promise<T> {
  let arrived = 0;
  // Every database: the tenant's rows are on its shard when the run has shards (TUTTI_TEST_SHARDS), on DB otherwise.
  const restores = everyD1().map((d1) => {
    const db = d1 as D1Database & Record<string, unknown>;
    const { prepare, batch } = db;
    const sqlOf = new WeakMap<object, string>();
    const tag = (s: D1PreparedStatement, query: string): D1PreparedStatement => {
      sqlOf.set(s, query);
      const bind = s.bind;
      (s as { bind: D1PreparedStatement["bind"] }).bind = (...values: unknown[]) => tag(bind.apply(s, values), query);
      return s;
    };
    db.prepare = (query: string) => tag(prepare.call(db, query), query);
    db.batch = (async (statements: D1PreparedStatement[]) => {
      if (statements.some((s) => writes.test(sqlOf.get(s) ?? ""))) {
        arrived++;
        await eventually(() => expect(release(arrived), "held write released").toBe(true), { timeoutMs: deadlineMs }).catch(() => undefined);
      }
      return batch.call(db, statements);
    }) as D1Database["batch"];
    return () => {
      db.prepare = prepare;
      db.batch = batch;
    };
  });
  try {
    return await send(() => arrived);
  } finally {
    for (const restore of restores) restore();
  }
}

/**
 * Runs `send` while holding every D1 batch that matches `writes` until `copies` of them are waiting, then lets
 * them all go at once: every copy has done its reads before any of them writes. That is the worst interleaving of
 * copies in flight together, made certain instead of left to timing.
 */
export async function withWritesInFlightTogether<T>(writes: RegExp, copies: number, send: () => Promise<T>, deadlineMs = 5_000): Promise<T> {
  return holdingWrites(writes, (arrived) => arrived >= copies, send, deadlineMs);
}

/**
 * Sends `send`, holds its write (the first D1 batch matching `writes`) after the request has done its reads, runs
 * `meanwhile` (say, an ownership change through the API), then lets the write go: a change landing between a
 * request's checks and its write, made certain instead of left to timing. Returns what `send` returns.
 */
export async function withWriteHeldDuring<T>(writes: RegExp, meanwhile: () => Promise<unknown>, send: () => Promise<T>, deadlineMs = 5_000): Promise<T> {
  let released = false;
  return holdingWrites(
    writes,
    () => released,
    async (arrivals) => {
      const sent = send();
      await eventually(() => expect(arrivals(), "the write is held").toBeGreaterThanOrEqual(1), { timeoutMs: deadlineMs });
      try {
        await meanwhile();
      } finally {
        released = true;
      }
      return sent;
    },
    deadlineMs,
  );
}

/**
 * Holds every single D1 statement (not batch) whose SQL matches `pattern` until `release()`, as holdingWrites holds
 * batches: for work a request leaves running after its answer (waitUntil), so a test can see the answer arrive while
 * that work is still held. A held statement goes on after `deadlineMs` (and `expired()` says so), so a request that
 * waits for it fails the test's assertions instead of hanging. Call `restore()` when done.
 */
export function holdStatements(pattern: RegExp, deadlineMs = 5_000) {
  let released = false;
  let expired = false;
  const wait = () =>
    eventually(() => expect(released, "held statement released").toBe(true), { timeoutMs: deadlineMs }).catch(() => {
      expired = true;
    });
  const hold = (s: D1PreparedStatement): D1PreparedStatement => {
    const held = s as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const method of ["run", "all", "first", "raw"]) {
      const original = held[method];
      held[method] = async (...args: unknown[]) => {
        await wait();
        return original.apply(s, args);
      };
    }
    const bind = held.bind;
    held.bind = (...values: unknown[]) => hold(bind.apply(s, values) as D1PreparedStatement);
    return s;
  };
  const restores = everyD1().map((d1) => {
    const db = d1 as D1Database & Record<string, unknown>;
    const { prepare } = db;
    db.prepare = (query: string) => (pattern.test(query) ? hold(prepare.call(db, query)) : prepare.call(db, query));
    return () => {
      db.prepare = prepare;
    };
  });
  return {
    release: () => {
      released = true;
    },
    expired: () => expired,
    restore: () => {
      released = true;
      for (const restore of restores) restore();
    },
  };
}
