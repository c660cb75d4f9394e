import type { DispatchMessage } from "./queues/messages";
import type { WebhookMessage } from "./queues/webhook-messages";

/** Bindings and vars declared in wrangler.toml (secrets come from .dev.vars or `wrangler secret put`). */
export interface Env {
  DB: D1Database;
  TENANT_RUNS: DurableObjectNamespace;
  /** Per-tenant request counters for the ingest and write rate limits (durable/tenant-limits.ts). */
  TENANT_LIMITS: DurableObjectNamespace;
  DISPATCH: Queue<DispatchMessage>;
  NOTIFY: Queue<unknown>;
  /** Verified tool webhooks, stored and handed to the run engine by the consumer (queues/webhooks.ts). */
  WEBHOOKS: Queue<WebhookMessage>;
  ASSETS?: Fetcher;
  /** Key ring: `2:<base64 32 bytes>,1:<base64>`; the first entry encrypts, all decrypt. */
  TUTTI_MASTER_KEY: string;
  TUTTI_ENV: string;
  /** Password attempts per account before each further one waits a doubling delay (ten times that per address). */
  LOGIN_FREE_ATTEMPTS?: string;
  /** PBKDF2 iterations of new password hashes, honoured only where TUTTI_ENV is `test` or `e2e` (lib/password.ts). */
  TEST_PASSWORD_HASH_ITERATIONS?: string;
  RATE_LIMIT_SIGNUP_PER_HOUR?: string;
  /** Ingest requests (lineage, dbt artifacts, costs, usage, quality) per tenant per minute (default 600). */
  RATE_LIMIT_INGEST_PER_MIN?: string;
  /** Other API writes per token (or signed-in user) per minute (default 300). */
  RATE_LIMIT_WRITES_PER_MIN?: string;
  /** `queue` (default): connectors are called by the dispatch queue consumer; `inline`: by the Durable Object itself. */
  DISPATCH_MODE?: "queue" | "inline";
  /**
   * Seconds a claimed tool call may take before its dispatch is sent again (default 120): a queue message, or the
   * process calling the tool, can vanish (crash, deploy). Keep it above the connectors' 30 s call timeout.
   */
  DISPATCH_LEASE_SECONDS?: string;
  /** Public URL of the dashboard, used in links sent outside (invitations, alerts). */
  APP_URL?: string;
  /** Cloudflare's send_email binding, when configured: e-mail alert channels send through it (docs/alerting.md). */
  EMAIL?: SendEmail;
  /** Sender address of alert e-mails; its domain must be onboarded to Cloudflare e-mail sending. */
  ALERT_EMAIL_FROM?: string;
  /** First retry delay of an alert delivery in seconds (default 30), doubling per attempt. */
  ALERT_RETRY_BASE_SECONDS?: string;
  /** Attempts before an alert delivery is dead-lettered (default 6, at most 8). */
  ALERT_DELIVERY_MAX_ATTEMPTS?: string;
}
