import { DurableObject } from "cloudflare:workers";

interface Env {
  CHAIN: DurableObjectNamespace<Chain>;
  ALARMED: DurableObjectNamespace<Alarmed>;
  STEPS: Queue<{ chain: string; step: number; total: number; tool: string }>;
  DB: D1Database;
}

/**
 * Per step: a durable write in the DO, a D1 write (Tutti's write-through), a queue message, and the
 * consumer's call to the tool before it reports back. Same I/O as a Tutti task, no engine logic.
 */
export class Chain extends DurableObject<Env> {
  private done = new Map<string, () => void>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS steps (chain TEXT, step INTEGER, at INTEGER, PRIMARY KEY (chain, step))");
  }

  async start(chain: string, total: number, tool: string): Promise<number> {
    const started = Date.now();
    const finished = new Promise<void>((resolve) => this.done.set(chain, resolve));
    await this.step(chain, 0, total, tool);
    await finished;
    return Date.now() - started;
  }

  /** The same writes and tool call per step, with the DO calling the tool itself (no queue hop). */
  async inline(chain: string, total: number, tool: string): Promise<number> {
    const started = Date.now();
    for (let step = 0; step <= total; step++) {
      this.ctx.storage.sql.exec("INSERT OR REPLACE INTO steps (chain, step, at) VALUES (?, ?, ?)", chain, step, Date.now());
      await this.env.DB.prepare("INSERT OR REPLACE INTO steps (chain, step, at) VALUES (?, ?, ?)").bind(chain, step, Date.now()).run();
      if (step < total) await fetch(`${tool}/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    }
    return Date.now() - started;
  }

  /** `steps` steps at once (bench/fanout): each the same writes and tool call as an inline step, all started together. */
  async fan(steps: number, tool: string): Promise<number> {
    const started = Date.now();
    const chain = crypto.randomUUID();
    await Promise.all(Array.from({ length: steps }, (_, step) => this.inlineStep(chain, step, tool)));
    return Date.now() - started;
  }

  /** `count` inline chains of `steps` side by side in this object (bench/fanout). */
  async chains(count: number, steps: number, tool: string): Promise<number> {
    const started = Date.now();
    await Promise.all(Array.from({ length: count }, () => this.inline(crypto.randomUUID(), steps, tool)));
    return Date.now() - started;
  }

  private async inlineStep(chain: string, step: number, tool: string) {
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO steps (chain, step, at) VALUES (?, ?, ?)", chain, step, Date.now());
    await this.env.DB.prepare("INSERT OR REPLACE INTO steps (chain, step, at) VALUES (?, ?, ?)").bind(chain, step, Date.now()).run();
    await fetch(`${tool}/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  }

  async step(chain: string, step: number, total: number, tool: string) {
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO steps (chain, step, at) VALUES (?, ?, ?)", chain, step, Date.now());
    await this.env.DB.prepare("INSERT OR REPLACE INTO steps (chain, step, at) VALUES (?, ?, ?)").bind(chain, step, Date.now()).run();
    if (step === total) {
      this.done.get(chain)?.();
      return;
    }
    await this.env.STEPS.send({ chain, step: step + 1, total, tool });
  }
}

/**
 * bench/scheduler's baseline: a bare object with one alarm. `arm` sets it for `at`; the alarm records how late it ran
 * (its first statement, as Tutti's run creation is the first thing its alarm does) and, with `write`, then writes
 * `rows` rows to D1 in one batch (Tutti's write-through of the runs a slot creates).
 */
export class Alarmed extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS wakes (at INTEGER PRIMARY KEY, woke INTEGER, rows INTEGER, write INTEGER)");
  }

  async arm(at: number, rows: number, write: boolean): Promise<void> {
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO wakes (at, woke, rows, write) VALUES (?, NULL, ?, ?)", at, rows, write ? 1 : 0);
    await this.ctx.storage.setAlarm(at);
  }

  override async alarm(): Promise<void> {
    const woke = Date.now();
    const due = this.ctx.storage.sql.exec("SELECT at, rows, write FROM wakes WHERE woke IS NULL AND at <= ?", woke).toArray();
    for (const d of due) {
      this.ctx.storage.sql.exec("UPDATE wakes SET woke = ? WHERE at = ?", woke, d.at);
      if (!d.write) continue;
      const object = this.ctx.id.toString();
      await this.env.DB.batch(
        Array.from({ length: d.rows as number }, (_, i) =>
          this.env.DB.prepare("INSERT OR REPLACE INTO steps (chain, step, at) VALUES (?, ?, ?)").bind(`${object}:${d.at}`, i, woke),
        ),
      );
    }
  }

  /** How late the alarm for `at` ran, in ms; null while it has not. */
  async lateness(at: number): Promise<number | null> {
    const row = this.ctx.storage.sql.exec("SELECT woke FROM wakes WHERE at = ?", at).toArray()[0];
    return row?.woke == null ? null : (row.woke as number) - at;
  }
}

/** Calls `each` for objects first … first+count-1 of ALARMED, `lanes` at a time (not 1,000 calls at once). */
async function eachAlarmed<T>(env: Env, first: number, count: number, each: (stub: DurableObjectStub<Alarmed>) => Promise<T>, lanes = 50): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      out[i] = await each(env.ALARMED.get(env.ALARMED.idFromName(`alarmed-${first + i}`)));
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, count) }, lane));
  return out;
}

export default {
  async fetch(request: Request, env: Env) {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    if (url.pathname === "/alarms/arm" || url.pathname === "/alarms/lateness") {
      const first = Number(url.searchParams.get("first") ?? 0);
      const objects = Number(url.searchParams.get("objects") ?? 1);
      const at = Number(url.searchParams.get("at"));
      if (url.pathname === "/alarms/lateness") return Response.json({ lateness: await eachAlarmed(env, first, objects, (s) => s.lateness(at)) });
      const rows = Number(url.searchParams.get("rows") ?? 0);
      await eachAlarmed(env, first, objects, (s) => s.arm(at, rows, url.searchParams.get("write") === "1"));
      return Response.json({ armed: objects });
    }
    const total = Number(url.searchParams.get("steps") ?? 40);
    const tool = url.searchParams.get("tool") ?? "";
    const chain = crypto.randomUUID();
    // bench/fanout: one object per tenant, as Tutti has.
    const stub = env.CHAIN.get(env.CHAIN.idFromName(url.searchParams.get("object") ?? "bench"));
    if (url.pathname === "/fan") return Response.json({ ms: await stub.fan(total, tool) });
    if (url.pathname === "/chains") return Response.json({ ms: await stub.chains(Number(url.searchParams.get("count") ?? 1), total, tool) });
    const ms = url.searchParams.get("mode") === "inline" ? await stub.inline(chain, total, tool) : await stub.start(chain, total, tool);
    return Response.json({ ms, steps: total });
  },
  async queue(batch: MessageBatch<{ chain: string; step: number; total: number; tool: string }>, env: Env) {
    for (const m of batch.messages) {
      await fetch(`${m.body.tool}/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      await env.CHAIN.get(env.CHAIN.idFromName("bench")).step(m.body.chain, m.body.step, m.body.total, m.body.tool);
      m.ack();
    }
  },
} satisfies ExportedHandler<Env, { chain: string; step: number; total: number; tool: string }>;
