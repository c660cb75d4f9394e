import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A Slack incoming-webhook receiver following CONTRACTS.md §9: `POST /services/T…/B…/<secret>` with JSON
 * `{text, blocks?}` answers 200 with the plain-text body `ok`; `400 no_text` without text or blocks,
 * `400 invalid_payload` for bad JSON or more than 50 blocks. A hook can be told to answer something else:
 *   PUT /__hooks/services/T…/B…/<secret> {fail_times?: n, status?: 500, body?: "rollup_error", retry_after?: "1"}
 *     fail_times: the next n posts get `status` (default 500), then it recovers; without fail_times every post does.
 *   GET /__messages?hook=/services/T…/B…/<secret> → [{at, status, body (parsed JSON)}] of every post, accepted or not.
 */

interface HookPlan {
  failTimes: number | null;
  status: number;
  body: string;
  retryAfter: string | null;
}

export interface SlackPost {
  at: number;
  status: number;
  body: unknown;
}

export interface SlackFake {
  url: string;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function reply(res: ServerResponse, status: number, body: string, type = "text/html", headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": type, ...headers });
  res.end(body);
}

export async function startSlackFake(port = 0): Promise<SlackFake> {
  const plans = new Map<string, HookPlan>();
  const posts = new Map<string, SlackPost[]>();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const text = await readBody(req);
    if (req.method === "PUT" && url.pathname.startsWith("/__hooks/")) {
      const hook = url.pathname.slice("/__hooks".length);
      const plan = JSON.parse(text || "{}") as { fail_times?: number; status?: number; body?: string; retry_after?: string };
      plans.set(hook, {
        failTimes: plan.fail_times ?? null,
        status: plan.status ?? 500,
        body: plan.body ?? "rollup_error",
        retryAfter: plan.retry_after ?? null,
      });
      return reply(res, 204, "");
    }
    if (req.method === "GET" && url.pathname === "/__messages") {
      return reply(res, 200, JSON.stringify(posts.get(url.searchParams.get("hook") ?? "") ?? []), "application/json");
    }
    if (req.method !== "POST" || !/^\/services\/[^/]+\/[^/]+\/[^/]+$/.test(url.pathname)) return reply(res, 404, "no_service");
    const hook = url.pathname;
    const record = (status: number, body: unknown) => posts.set(hook, [...(posts.get(hook) ?? []), { at: Date.now(), status, body }]);
    const plan = plans.get(hook);
    if (plan && (plan.failTimes === null || plan.failTimes > 0)) {
      if (plan.failTimes !== null) plan.failTimes -= 1;
      record(plan.status, safeJson(text));
      return reply(res, plan.status, plan.body, "text/html", plan.retryAfter ? { "retry-after": plan.retryAfter } : {});
    }
    const body = safeJson(text);
    if (!body || typeof body !== "object") {
      record(400, text);
      return reply(res, 400, "invalid_payload");
    }
    const message = body as { text?: unknown; blocks?: unknown[] };
    if (Array.isArray(message.blocks) && message.blocks.length > 50) {
      record(400, body);
      return reply(res, 400, "invalid_payload");
    }
    if (typeof message.text !== "string" && !Array.isArray(message.blocks)) {
      record(400, body);
      return reply(res, 400, "no_text");
    }
    record(200, body);
    return reply(res, 200, "ok");
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${bound}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
