import type { z } from "@hono/zod-openapi";

/** Where a task's external work is, so later polls and cancels find it again. */
export interface ExternalHandle {
  /** The tool's own id for the work (dbt run id, Fivetran connection id, …). */
  externalId?: string;
  /** Link to the tool's own page for this run, shown in the dashboard. */
  externalUrl?: string;
  /** Connector-private state carried between polls (JSON-serialisable). */
  state?: Record<string, unknown>;
}

export const taskErrorKinds = ["auth", "not_found", "rate_limited", "tool_failure", "invalid_config", "network", "timeout"] as const;
export type TaskErrorKind = (typeof taskErrorKinds)[number];

export interface TaskError {
  kind: TaskErrorKind;
  message: string;
  /** Tool-requested wait before trying again (Retry-After). */
  retryAfterMs?: number;
}

/** What a connector reports after trigger or poll. */
export type TaskOutcome =
  | ({ status: "running"; pollAfterMs?: number } & ExternalHandle)
  | ({ status: "succeeded"; noNewData?: boolean; output?: Record<string, unknown> } & ExternalHandle)
  | ({ status: "failed"; error: TaskError } & ExternalHandle);

export interface ConnectorRunInfo {
  tenantId: string;
  runId: string;
  taskKey: string;
  attempt: number;
  pipeline: string;
  params: Record<string, unknown>;
}

export interface ConnectorContext<Config> {
  /** Non-secret connection settings, parsed by the kind's config schema (includes base_url). */
  config: Config;
  /** Decrypted secret fields of the connection; never logged or stored elsewhere. */
  secrets: Record<string, string>;
  fetch: typeof fetch;
  run: ConnectorRunInfo;
  /** URL the tool may call back on completion (webhook receiver for this connection). */
  callbackUrl: string;
}

export interface WebhookEvent {
  /** The tool's delivery/event id, used to drop replays. */
  deliveryId: string;
  /** The external run this event is about, matched against task runs' externalId. */
  externalId: string | null;
  type: string;
  outcome: TaskOutcome | null;
}

export interface ConnectorDefinition<With = unknown, Config = unknown> {
  kind: string;
  title: string;
  /** Schema of a task's `with` block in a pipeline spec. */
  withSchema: z.ZodType<With>;
  /** Schema of the connection's non-secret `config`. */
  configSchema: z.ZodType<Config>;
  /** Secret field names the connection must have; values are encrypted at rest. */
  secretFields: readonly string[];
  optionalSecretFields?: readonly string[];
  trigger(ctx: ConnectorContext<Config>, input: With): Promise<TaskOutcome>;
  poll(ctx: ConnectorContext<Config>, input: With, handle: ExternalHandle): Promise<TaskOutcome>;
  cancel(ctx: ConnectorContext<Config>, input: With, handle: ExternalHandle): Promise<void>;
  /** A cheap authenticated call proving the connection works. */
  test(ctx: Omit<ConnectorContext<Config>, "run" | "callbackUrl">): Promise<{ ok: true } | { ok: false; message: string }>;
  /** Verifies a webhook from the tool and normalises it; null when the signature is wrong. */
  verifyWebhook?(request: Request, rawBody: string, secrets: Record<string, string>): Promise<WebhookEvent | null>;
}
