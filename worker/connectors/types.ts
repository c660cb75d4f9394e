import type { z } from "@hono/zod-openapi";
import type { NativeRerunKind } from "../engine/retry-kinds";
import type { OutputDecls } from "./outputs";

/** Where a task's external work is, so later polls and cancels find it again. */
export interface ExternalHandle {
  /** The tool's own id for the work (dbt run id, Fivetran connection id, …). */
  externalId?: string;
  /** Link to the tool's own page for this run, shown in the dashboard. */
  externalUrl?: string;
  /** Connector-private state carried between polls (JSON-serialisable). */
  state?: Record<string, unknown>;
  /** Tries so far at collecting what the finished run left behind, while the tool did not have all of it yet. */
  collectTries?: number;
  /**
   * The connection the work was started through, set by the dispatcher (never by a connector). Webhooks are
   * matched only to tasks of the connection they arrived on, whatever external id they name.
   */
  connectionId?: string;
}

export const taskErrorKinds = ["auth", "not_found", "rate_limited", "tool_failure", "invalid_config", "network", "timeout"] as const;
export type TaskErrorKind = (typeof taskErrorKinds)[number];

export interface TaskError {
  kind: TaskErrorKind;
  message: string;
  /** Tool-requested wait before trying again (Retry-After). */
  retryAfterMs?: number;
}

/**
 * The attempt's log when the tool's answer is itself the log (the `http` tool's response body): taken off the outcome
 * and stored like a fetched log (worker/logs/capture.ts), never reported to the engine.
 */
export interface AnswerLog {
  log?: string;
}

/** What a connector reports after trigger or poll. */
export type TaskOutcome =
  | ({ status: "running"; pollAfterMs?: number } & ExternalHandle & AnswerLog)
  | ({ status: "succeeded"; noNewData?: boolean; output?: Record<string, unknown>; note?: string } & ExternalHandle & AnswerLog)
  | ({ status: "failed"; error: TaskError; note?: string } & ExternalHandle & AnswerLog)
  /**
   * Someone stopped the work in the tool itself (dbt Cloud status 30, GitHub conclusion `cancelled`, Airbyte
   * `cancelled`, Databricks `CANCELED`): the task ends cancelled, is not retried and pages nobody (CONTRACTS §10).
   */
  | ({ status: "cancelled"; reason: string; note?: string } & ExternalHandle & AnswerLog);

export interface ConnectorRunInfo {
  tenantId: string;
  runId: string;
  taskKey: string;
  attempt: number;
  pipeline: string;
  params: Record<string, unknown>;
  /**
   * This attempt's trigger was sent before and its outcome never came back (the delivery that sent it died): the tool
   * may already have the work. Tools that can recognise a resubmission are told so (Snowflake `retry=true`).
   */
  resubmission?: boolean;
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

/** A webhook request as the receiver read it: headers, URL and the exact bytes the tool signed. */
export interface WebhookRequest {
  headers: Headers;
  url: URL;
  body: Uint8Array;
}

export interface WebhookEvent {
  /** The tool's delivery/event id, used to drop replays. */
  deliveryId: string;
  /** The external run this event is about, matched against task runs' externalId. */
  externalId: string | null;
  type: string;
  /**
   * What the engine should do about it, or null when the event concerns no run (test pings, account events).
   * Webhooks are hints (CONTRACTS.md): a terminal event asks for an immediate status check
   * (`running` with `pollAfterMs: 0`) and the tool's status API decides how the task ended.
   */
  outcome: TaskOutcome | null;
}

/** Inbound webhooks of a tool: how it proves origin, and how its payload maps onto runs. */
export interface WebhookSupport {
  /** Secret field holding the signing secret (or URL token) the tool was configured with. */
  secretField: string;
  /** What a person does in the tool to register the receiver, shown beside the webhook URL in the dashboard. */
  setup: {
    steps: readonly string[];
    /** How the tool proves a delivery came from it. */
    proof: string;
    /** The tool cannot sign, so the secret travels as `?token=<secret>` on the URL. */
    urlToken?: boolean;
  };
  /** True when the request carries the tool's proof of origin; constant-time, over the raw bytes. */
  verify(request: WebhookRequest, secret: string): Promise<boolean>;
  /** Normalises a verified delivery; never throws (an unreadable body becomes a stored event with no outcome). */
  parse(request: WebhookRequest): Promise<WebhookEvent>;
}

/** One raw cost fact about a finished run (Databricks run, Snowflake statement), stored for cost attribution. */
export interface CostFact {
  /** Unique within the source (query id, `<host>/<run_id>`): re-collecting the same run overwrites, never duplicates. */
  externalRef: string;
  startedAt: number | null;
  endedAt: number | null;
  facts: Record<string, unknown>;
}

/** What collect found; `missing` names what the tool did not have (yet), e.g. an artifact that answered 404. */
export interface CollectResult {
  missing?: string;
  /** What the run left behind shows it changed no data (dbt Cloud: every model's rows_affected is 0). */
  noNewData?: boolean;
}

/** What a dbt run's results say each node it ran wrote (run_results `adapter_response.rows_affected`; null when absent). */
export type DbtNodeWrites = Array<{ uniqueId: string; status: string; rowsAffected: number | null }>;

/** Where a connector hands what it found after a run; each write is idempotent. */
export interface CollectSink {
  /** dbt artifacts of a finished dbt Cloud run, streamed (manifests run to 100+ MB); null for a file the run did not produce. */
  dbtArtifacts(input: {
    /** Tutti's name for the dbt project and the environment the artifacts describe. */
    project: string;
    environment: string;
    manifest: ReadableStream<Uint8Array> | null;
    runResults: ReadableStream<Uint8Array> | null;
    dbtCloudRun: { runId: string; jobId: string; accountId: string };
  }): Promise<DbtNodeWrites>;
  costFacts(source: string, facts: CostFact[]): Promise<void>;
}

export interface SensorTiming {
  intervalMs: number;
  timeoutMs: number;
}

export type TerminalOutcome = Exclude<TaskOutcome, { status: "running" }>;

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
  /**
   * Config fields that decide where the connection's credentials are sent (`base_url`, an account). Changing one
   * re-requires the secrets, and URL fields must be https outside local development (lib/destinations.ts).
   */
  hostFields: readonly string[];
  /**
   * The outputs a succeeded task reports (`output` on its outcome), by name. Undeclared names are not stored; a
   * declared one may still be missing when the tool did not report it for that run.
   */
  outputs: OutputDecls;
  /** Outputs the task's own `with` selects (the `http` connector's `outputs: { name: "$.path" }`), beside `outputs`. */
  selectedOutputs?(input: With): OutputDecls;
  /**
   * Hosts the URL host fields may name outside local development, when the tool lives at known hosts only (BigQuery:
   * googleapis.com), so the credentials go nowhere else whatever the config says.
   */
  destinationHosts?: { pattern: RegExp; description: string };
  /** Problems with secret values this kind can check before storing them (a key file's shape); messages never quote the value. */
  secretProblems?(secrets: Record<string, string>): Array<{ path: string; message: string }>;
  /**
   * Where a task's URLs lead, checked when the pipeline is pushed: problems with their path inside `with`
   * (`["url"]`). Only connectors whose `with` names URLs have it; the call itself is guarded by fetchWithSecret.
   */
  destinationProblems?(input: With, config: Config): Array<{ path: Array<string | number>; message: string }>;
  trigger(ctx: ConnectorContext<Config>, input: With): Promise<TaskOutcome>;
  /**
   * The tool's own partial rerun, used instead of `trigger` when a run is retried from failure and the task's last
   * attempt failed in the tool (engine/retry-kind.ts). `start` reruns the failed parts of `failed` (that attempt's
   * handle) and answers like trigger; poll then follows the rerun. When `ctx.run.resubmission` is set, an earlier
   * delivery may already have started the rerun: connectors that can see that adopt it instead of starting another.
   */
  rerun?: {
    kind: NativeRerunKind;
    start(ctx: ConnectorContext<Config>, input: With, failed: ExternalHandle): Promise<TaskOutcome>;
  };
  poll(ctx: ConnectorContext<Config>, input: With, handle: ExternalHandle): Promise<TaskOutcome>;
  /**
   * When the task is a sensor (its `with` asks to wait for a condition): how often to look again and when to give up.
   * Each look is a poll scheduled on the tenant Durable Object's alarm; an answer that does not meet the condition yet
   * is `running`, not a failure (engine/transition.ts).
   */
  sensor?(input: With): SensorTiming | null;
  cancel(ctx: ConnectorContext<Config>, input: With, handle: ExternalHandle): Promise<void>;
  /** A cheap authenticated call proving the connection works; the message quotes the tool's error. */
  test(ctx: Omit<ConnectorContext<Config>, "run" | "callbackUrl">): Promise<{ ok: true; message?: string } | { ok: false; message: string }>;
  /**
   * Fetches what a finished run left behind (artifacts, cost facts) into the sink; never fails the task. When something
   * is `missing` and this is not the `lastTry`, it stores nothing and is called again later; on the last try it stores
   * what there is and the task records what was missing.
   */
  collect?(
    ctx: ConnectorContext<Config>,
    input: With,
    outcome: TerminalOutcome,
    sink: CollectSink,
    options: { lastTry: boolean },
    // biome-ignore lint/suspicious/noConfusingVoidType: a collector that has nothing to report returns nothing
  ): Promise<CollectResult | void>;
  /**
   * The tool's own log of the attempt so far (step logs, job logs, error trace), as text; null when the tool has none
   * (yet). Called when the attempt ends and, spaced out, while it runs (for follow). A failure here never changes how
   * the task ends. Tools whose answer is the log return it on the outcome instead (`log`).
   */
  logs?(ctx: ConnectorContext<Config>, input: With, outcome: TaskOutcome): Promise<string | null>;
  /** Present when the tool can call Tutti back at `/webhooks/<kind>/<connectionId>`. */
  webhook?: WebhookSupport;
}
