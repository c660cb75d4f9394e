import { env } from "cloudflare:test";
import { expect } from "vitest";
import { eventually } from "./wait";

/**
 * Runs `send` while holding every D1 batch that matches `writes` until `copies` of them are waiting, then lets
 * them all go at once: every copy has done its reads before any of them writes. That is the worst interleaving of
 * copies in flight together, made certain instead of left to timing. Should fewer copies ever get that far, the
 * held ones go on after `deadlineMs` so the test fails on its assertions instead of hanging. D1 is restored after.
 *
 * The test and the Worker share one `env`, so wrapping the binding here is what the Worker's requests see.
 */
export async function withWritesInFlightTogether<T>(writes: RegExp, copies: number, send: () => Promise<T>, deadlineMs = 5_000): Promise<T> {
  const db = env.DB as D1Database & Record<string, unknown>;
  const { prepare, batch } = db;
  const sqlOf = new WeakMap<object, string>();
  const tag = (s: D1PreparedStatement, query: string): D1PreparedStatement => {
    sqlOf.set(s, query);
    const bind = s.bind;
    (s as { bind: D1PreparedStatement["bind"] }).bind = (...values: unknown[]) => tag(bind.apply(s, values), query);
    return s;
  };
  // Each held batch waits in its own request by polling: workerd forbids one request to resolve a promise another
  // request is waiting on.
  let arrived = 0;
  db.prepare = (query: string) => tag(prepare.call(db, query), query);
  db.batch = (async (statements: D1PreparedStatement[]) => {
    if (statements.some((s) => writes.test(sqlOf.get(s) ?? ""))) {
      arrived++;
      await eventually(() => expect(arrived, "copies holding their write").toBeGreaterThanOrEqual(copies), { timeoutMs: deadlineMs }).catch(() => undefined);
    }
    return batch.call(db, statements);
  }) as D1Database["batch"];
  try {
    return await send();
  } finally {
    db.prepare = prepare;
    db.batch = batch;
  }
}
