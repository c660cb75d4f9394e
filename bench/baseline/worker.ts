import { DurableObject } from "cloudflare:workers";

interface Env {
  CHAIN: DurableObjectNamespace<Chain>;
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

export default {
  async fetch(request: Request, env: Env) {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
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
