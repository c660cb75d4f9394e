import type { RecordedRequest } from "./http-server";

/**
 * Scripting shared by the tool fakes. Tests run in parallel against one fake per tool, so every script is
 * keyed by something the test owns (a job id, a connection id, a workflow file).
 *
 *   PUT  /__fake/plans/:key      {polls?, outcome?, errors?: {<op>: [{status, retry_after?, body?}]}, hold?: [<op>], delay_ms?: {<op>: n}, …tool fields}
 *   POST /__fake/release/:key    {op}          lets a held request for `op` answer
 *   POST /__fake/complete/:key   {outcome?}    finishes the key's newest run now (and queues its webhooks)
 *   GET  /__fake/outbox/:key                   signed webhook deliveries queued for the key: [{event, headers, body}]
 *   GET  /__fake/held/:key                     ops currently held (so a test knows the request arrived)
 *   POST /__fake/deliver-to      {url}         also POST every new webhook there (for `npm run demo` beside wrangler dev)
 *   GET  /__requests                           every request the fake received (from http-server.ts)
 */
export interface ScriptedError {
  status: number;
  retry_after?: number;
  body?: unknown;
  /** Extra response headers (GitHub's x-ratelimit-remaining / x-ratelimit-reset). */
  headers?: Record<string, string>;
}

export interface Plan {
  /** Status reads that still report the run as in progress before it finishes. */
  polls?: number;
  /** How the run ends (tool-specific vocabulary: "success", "error", "failed", …). */
  outcome?: string;
  /** Responses to return instead of the real one, consumed in order, per operation name. */
  errors?: Record<string, ScriptedError[]>;
  /** Operations whose requests wait until released. */
  hold?: string[];
  /** Extra latency per operation (slow responses). */
  delay_ms?: Record<string, number>;
  [key: string]: unknown;
}

export interface WebhookDelivery {
  event: string;
  headers: Record<string, string>;
  body: string;
}

export type Reply = { status: number; body?: unknown; headers?: Record<string, string> };

export class Scripts {
  readonly plans = new Map<string, Plan>();
  private readonly holds = new Map<string, Array<() => void>>();
  private readonly outbox = new Map<string, WebhookDelivery[]>();
  private deliverTo: string | null = null;
  /** Called by POST /__fake/complete/:key; each fake registers how its runs finish. */
  onComplete: (key: string, outcome: string | undefined) => boolean = () => false;

  constructor(private readonly tool: string) {}

  plan(key: string): Plan {
    return this.plans.get(key) ?? {};
  }

  /** The scripted error for this operation, if one is left. */
  takeError(key: string, op: string): Reply | null {
    const queue = this.plans.get(key)?.errors?.[op];
    const next = queue?.shift();
    if (!next) return null;
    return {
      status: next.status,
      body: next.body ?? { error: `scripted ${next.status} for ${op}` },
      headers: { ...(next.retry_after !== undefined ? { "retry-after": String(next.retry_after) } : {}), ...next.headers },
    };
  }

  /** Waits while the plan holds `op` (a trigger that has not "returned" yet), then applies any scripted delay. */
  async gate(key: string, op: string): Promise<void> {
    const plan = this.plans.get(key);
    if (plan?.hold?.includes(op)) {
      await new Promise<void>((resolve) => {
        const list = this.holds.get(`${key}|${op}`) ?? [];
        list.push(resolve);
        this.holds.set(`${key}|${op}`, list);
      });
    }
    const delay = plan?.delay_ms?.[op];
    if (delay) await new Promise((r) => setTimeout(r, delay));
  }

  /** Queues a signed webhook for the key; with a deliver-to URL it is also sent there. */
  emit(key: string, delivery: WebhookDelivery) {
    const list = this.outbox.get(key) ?? [];
    list.push(delivery);
    this.outbox.set(key, list);
    if (this.deliverTo) {
      fetch(this.deliverTo, { method: "POST", headers: delivery.headers, body: delivery.body }).catch((err) => {
        console.error(`[${this.tool} fake] webhook to ${this.deliverTo} failed: ${String(err)}`);
      });
    }
  }

  /** Handles the /__fake/* control endpoints; null for anything else. */
  control(req: RecordedRequest, url: URL): Reply | null {
    const parts = url.pathname.split("/").filter(Boolean);
    if (parts[0] !== "__fake") return null;
    const body = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};
    const key = parts[2] ? decodeURIComponent(parts[2]) : "";
    switch (`${req.method} ${parts[1]}`) {
      case "PUT plans":
        this.plans.set(key, body as Plan);
        return { status: 204 };
      case "POST release": {
        const list = this.holds.get(`${key}|${String(body.op)}`) ?? [];
        this.holds.delete(`${key}|${String(body.op)}`);
        const plan = this.plans.get(key);
        if (plan?.hold) plan.hold = plan.hold.filter((op) => op !== body.op);
        for (const resolve of list) resolve();
        return { status: 200, body: { released: list.length } };
      }
      case "GET held":
        return { status: 200, body: [...this.holds.keys()].filter((k) => k.startsWith(`${key}|`)).map((k) => k.slice(key.length + 1)) };
      case "POST complete":
        return this.onComplete(key, typeof body.outcome === "string" ? body.outcome : undefined)
          ? { status: 200, body: { ok: true } }
          : { status: 404, body: { error: "no run for key" } };
      case "GET outbox":
        return { status: 200, body: this.outbox.get(key) ?? [] };
      case "POST deliver-to":
        this.deliverTo = typeof body.url === "string" ? body.url : null;
        return { status: 200, body: { deliver_to: this.deliverTo } };
      default:
        return { status: 404, body: { error: `unknown control ${req.method} ${url.pathname}` } };
    }
  }
}
