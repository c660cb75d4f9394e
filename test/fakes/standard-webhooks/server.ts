import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { verifyStandardWebhook } from "./verify";

/**
 * A receiver of Standard Webhooks (https://www.standardwebhooks.com), verifying each request the way the spec's
 * reference libraries do, independently of Tutti's own signing code: HMAC-SHA256 with the base64-decoded part of a
 * `whsec_…` secret over `{webhook-id}.{webhook-timestamp}.{raw body}`, compared with each `v1,` signature, and the
 * timestamp within 5 minutes. Like a careful consumer it treats `webhook-id` as an idempotency key.
 *   PUT /__endpoints/<name> {secret, fail_times?: n, always_fail?: bool, status?: 503}  configure an endpoint
 *   POST /hooks/<name>      a delivery: 401 if the signature does not verify; `status` while failing; else 204
 *   GET /__endpoints/<name> → {attempts: [{id, timestamp, verified, reason, status, body}], accepted: [{id, body}]}
 * `accepted` holds each webhook-id once, at its first successful delivery.
 */

interface Endpoint {
  secret: string;
  failTimes: number;
  alwaysFail: boolean;
  status: number;
  attempts: Array<{ id: string | null; timestamp: string | null; verified: boolean; reason: string | null; status: number; body: unknown }>;
  accepted: Array<{ id: string; body: unknown }>;
}

export interface WebhookReceiverFake {
  url: string;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(body === undefined ? "" : JSON.stringify(body));
}

export async function startWebhookReceiverFake(port = 0): Promise<WebhookReceiverFake> {
  const endpoints = new Map<string, Endpoint>();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const raw = await readBody(req);
    const [, area, name] = url.pathname.split("/");
    if (area === "__endpoints" && name) {
      if (req.method === "PUT") {
        const cfg = JSON.parse(raw || "{}") as { secret: string; fail_times?: number; always_fail?: boolean; status?: number };
        const existing = endpoints.get(name);
        endpoints.set(name, {
          secret: cfg.secret,
          failTimes: cfg.fail_times ?? 0,
          alwaysFail: cfg.always_fail ?? false,
          status: cfg.status ?? 503,
          attempts: existing?.attempts ?? [],
          accepted: existing?.accepted ?? [],
        });
        return json(res, 204, undefined);
      }
      const ep = endpoints.get(name);
      return ep ? json(res, 200, { attempts: ep.attempts, accepted: ep.accepted }) : json(res, 404, { error: "no such endpoint" });
    }
    if (req.method !== "POST" || area !== "hooks" || !name) return json(res, 404, { error: "not found" });
    const ep = endpoints.get(name);
    if (!ep) return json(res, 404, { error: "no such endpoint" });
    const check = verifyStandardWebhook(ep.secret, req.headers, raw, Math.floor(Date.now() / 1000));
    const attempt = {
      id: (req.headers["webhook-id"] as string | undefined) ?? null,
      timestamp: (req.headers["webhook-timestamp"] as string | undefined) ?? null,
      verified: check.ok,
      reason: check.ok ? null : check.reason,
      status: 0,
      body: safeJson(raw),
    };
    ep.attempts.push(attempt);
    if (!check.ok) {
      attempt.status = 401;
      return json(res, 401, { error: check.reason });
    }
    if (ep.alwaysFail || ep.failTimes > 0) {
      if (ep.failTimes > 0) ep.failTimes -= 1;
      attempt.status = ep.status;
      return json(res, ep.status, { error: "receiver unavailable" });
    }
    if (!ep.accepted.some((a) => a.id === attempt.id)) ep.accepted.push({ id: attempt.id!, body: attempt.body });
    attempt.status = 204;
    return json(res, 204, undefined);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${bound}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
