import { z } from "@hono/zod-openapi";
import { MAX_RUN_IF_LENGTH } from "../engine/run-if";
import { isValidCron, isValidTimezone } from "./cron";
import { parseDuration } from "../lib/time";
import { pipelineNamePattern, teamSlugPattern } from "./names";

/**
 * The pipeline spec as users write it (YAML or JSON), and the normalized form Tutti stores:
 * defaults filled, durations in milliseconds, `with` parsed by the connector's own schema.
 * Shape and single-field rules live here; rules across fields (task ids, the DAG, connectors)
 * live in validate.ts.
 */

export const onConflictValues = ["queue", "skip", "cancel_previous"] as const;
export type OnConflict = (typeof onConflictValues)[number];

export const backoffValues = ["fixed", "exponential"] as const;
export type Backoff = (typeof backoffValues)[number];

export const triggerOnValues = ["success", "finish"] as const;
export type TriggerOn = (typeof triggerOnValues)[number];

export const datasetTriggerModes = ["any", "all"] as const;
export type DatasetTriggerMode = (typeof datasetTriggerModes)[number];
/** `mode: all` without `within`: every listed dataset updated within this time of the others. */
export const DEFAULT_DATASET_WITHIN = "24h";
export const MAX_TRIGGER_DATASETS = 50;

export const alertEventValues = ["failure", "retries_exhausted", "timed_out", "sla_miss"] as const;
export type AlertEvent = (typeof alertEventValues)[number];

const namePatternMessage = "lowercase letters, digits, _ and -, starting with a letter or digit, at most 64 characters";
const hhmmPattern = /^([01]\d|2[0-3]):[0-5]\d$/;
/** `team` (the owning team), `team:<slug>` or `channel:<name>`. */
const alertTargetPattern = /^(team|team:[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?|channel:[A-Za-z0-9_.-]{1,64})$/;

export const PipelineName = z.string().regex(pipelineNamePattern, namePatternMessage);
export const PoolName = z.string().regex(pipelineNamePattern, namePatternMessage);
/** The most slots a pool has, and so the most one task may hold. */
export const MAX_POOL_SLOTS = 1000;
export const TaskId = z.string().regex(pipelineNamePattern, namePatternMessage);
const TeamSlug = z.string().regex(teamSlugPattern, "a team slug: lowercase letters, digits and dashes");
const ConnectionName = z.string().min(1).max(80);

export const DEFAULT_TIMEZONE = "UTC";
export const DEFAULT_RETRY_DELAY = "30s";
/** Exponential backoff stops growing here unless `max_delay` says otherwise. */
export const DEFAULT_MAX_DELAY_MS = 3_600_000;
export const DEFAULT_POLL_INTERVAL_MS = 30_000;
export const MAX_TASKS = 200;

const durationHint = 'a duration such as "90s", "5m", "2h" or "1h 30m" (units ms, s, m, h, d)';

/** Same grammar as parseDuration, stated as a pattern so editors can check it from the JSON Schema. */
const durationPattern = /^\s*\d+(\.\d+)?(ms|s|m|h|d)(\s+\d+(\.\d+)?(ms|s|m|h|d))*\s*$/;

/** A duration string within [minMs, maxMs]; the spec keeps the text, normalization turns it into ms. */
export function duration(minMs: number, maxMs: number, what: string) {
  return z
    .string()
    .regex(durationPattern, `must be ${durationHint}`)
    .superRefine((text, ctx) => {
      const ms = parseDuration(text);
      if (ms !== undefined && (ms < minMs || ms > maxMs)) {
        ctx.addIssue({ code: "custom", message: `${what} must be between ${formatMs(minMs)} and ${formatMs(maxMs)}` });
      }
    })
    .meta({ description: durationHint, examples: ["90s", "1h 30m"] });
}

/** 90000 → "90s", 5400000 → "1h 30m": for messages and diffs. */
export function formatMs(ms: number): string {
  const units: Array<[string, number]> = [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
    ["ms", 1],
  ];
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join(" ") || "0s";
}

const Timezone = z
  .string()
  .refine(isValidTimezone, "must be an IANA timezone such as Europe/London or UTC")
  .meta({ description: "IANA timezone name", examples: ["Europe/London", "America/New_York", "UTC"] });

const Schedule = z
  .strictObject({
    cron: z
      .string()
      .superRefine((expr, ctx) => {
        const problem = isValidCron(expr);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      })
      .meta({ description: "Five-field cron expression (minute hour day-of-month month day-of-week)", examples: ["0 6 * * 1-5"] }),
    timezone: Timezone.default(DEFAULT_TIMEZONE),
  })
  .meta({ description: "When the pipeline runs on its own; wall-clock times in `timezone`, DST included" });

const AfterTrigger = z
  .strictObject({
    after: PipelineName.meta({ description: "Name of the upstream pipeline" }),
    on: z.enum(triggerOnValues).default("success").meta({ description: "`success`: only when it succeeds; `finish`: whatever its result" }),
  })
  .meta({ description: "Run after another pipeline's run ends" });

const WebhookTrigger = z
  .strictObject({
    webhook: z.strictObject({}).meta({ description: "No settings: the URL and signing secret are shown on the pipeline (GET /pipelines/{name}/triggers)" }),
  })
  .meta({ description: "Run when a signed POST (Standard Webhooks) reaches the pipeline's webhook URL; its JSON body gives the run's params" });

export const DatasetRef = z
  .strictObject({
    namespace: z.string().min(1).max(500),
    name: z.string().min(1).max(1000),
  })
  .meta({ description: "A catalog dataset, by its OpenLineage namespace and name" });

const DatasetsTrigger = z
  .strictObject({
    datasets: z.array(DatasetRef).min(1).max(MAX_TRIGGER_DATASETS),
    mode: z
      .enum(datasetTriggerModes)
      .default("any")
      .meta({ description: "`any`: run when one of them is updated; `all`: run once every one has been updated within `within` of the others" }),
    within: duration(60_000, 7 * 86_400_000, "within")
      .optional()
      .meta({ description: `Only with \`mode: all\` (default ${DEFAULT_DATASET_WITHIN}): how close together the updates must be` }),
  })
  .meta({ description: "Run when datasets are updated (a Tutti task, an OpenLineage COMPLETE, a production dbt run)" });

const Trigger = z.union([AfterTrigger, WebhookTrigger, DatasetsTrigger]);

/**
 * The schema of one trigger chosen by its key, so a mistake inside one is reported at its own path
 * (`triggers[0].datasets[1].name`) rather than as "matches none of the kinds".
 */
export function triggerSchemaFor(raw: unknown) {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return null;
  if ("after" in raw) return AfterTrigger;
  if ("webhook" in raw) return WebhookTrigger;
  if ("datasets" in raw) return DatasetsTrigger;
  return null;
}

const Concurrency = z
  .strictObject({
    max_runs: z.number().int().min(1).max(100).default(1),
    on_conflict: z.enum(onConflictValues).default("queue"),
  })
  .meta({ description: "How many runs may be active at once and what a new run does when the limit is reached" });

const Retries = z
  .strictObject({
    max: z.number().int().min(0).max(20).default(0).meta({ description: "Retries after the first attempt" }),
    backoff: z.enum(backoffValues).default("exponential"),
    delay: duration(1000, 86_400_000, "delay").default(DEFAULT_RETRY_DELAY),
    max_delay: duration(1000, 7 * 86_400_000, "max_delay")
      .optional()
      .meta({ description: "Upper bound of an exponential delay (default 1h, or delay if larger)" }),
    jitter: z.boolean().default(true).meta({ description: "Spread each delay randomly so failing tasks do not retry in lockstep" }),
  })
  .meta({ description: "Retry policy of a task" });

const Alerts = z
  .strictObject({
    on: z.array(z.enum(alertEventValues)).min(1).default(["failure"]),
    to: z.array(z.string().regex(alertTargetPattern, "`team`, `team:<slug>` or `channel:<name>`")).min(1).default(["team"]),
  })
  .meta({ description: "Which events of this pipeline alert whom, on top of the teams' own alert rules" });

const Sla = z
  .strictObject({
    finish_by: z.string().regex(hhmmPattern, 'a time of day "HH:MM" (24-hour)'),
    timezone: Timezone.optional().meta({ description: "Defaults to the schedule's timezone, else UTC" }),
  })
  .meta({ description: "A run started for a day should succeed by this wall-clock time" });

export const RawTask = z
  .strictObject({
    id: TaskId,
    connector: z.string().min(1).max(64).meta({ description: "Connector kind, e.g. http" }),
    connection: ConnectionName.optional().meta({ description: "Name of a connection of the pipeline's team" }),
    with: z.record(z.string(), z.unknown()).default({}).meta({ description: "Connector-specific settings, checked by the connector's schema" }),
    depends_on: z.array(TaskId).default([]),
    run_if: z
      .string()
      .trim()
      .min(1)
      .max(MAX_RUN_IF_LENGTH)
      .default("all_success")
      .meta({
        description:
          "all_success | all_done | any_failed, or a CEL expression over upstream tasks and params, e.g. \"tasks.extract.status == 'succeeded' && tasks.extract.outputs.rows > 0\"",
        examples: ["all_success", "all_done", "any_failed", "tasks.extract.outputs.rows > 0"],
      }),
    retries: Retries.optional(),
    timeout: duration(1000, 30 * 86_400_000, "timeout").optional(),
    skip_downstream_if_no_new_data: z.boolean().default(false),
    poll_interval: duration(1000, 3_600_000, "poll_interval").optional(),
    pool: PoolName.optional().meta({ description: "A pool of the tenant (GET /api/v1/pools): the task waits for a free slot of it" }),
    pool_slots: z.number().int().min(1).max(MAX_POOL_SLOTS).optional().meta({ description: "Slots of `pool` the task holds while it runs (default 1)" }),
  })
  .meta({ description: "One step of the pipeline, done by a connector" });

export const RawSpec = z
  .strictObject({
    $schema: z.string().optional().meta({ description: "Ignored; lets editors find the JSON Schema" }),
    name: PipelineName.meta({ description: "Unique within the tenant" }),
    team: TeamSlug.meta({ description: "Slug of the owning team" }),
    description: z.string().max(2000).default(""),
    schedule: Schedule.optional(),
    triggers: z.array(Trigger).max(20).default([]),
    concurrency: Concurrency.default({ max_runs: 1, on_conflict: "queue" }),
    params: z.record(z.string(), z.json()).default({}).meta({ description: "Default run parameters; a run may override them" }),
    timeout: duration(1000, 30 * 86_400_000, "timeout")
      .optional()
      .meta({ description: "Whole-run timeout" }),
    products: z.array(z.string().regex(pipelineNamePattern, namePatternMessage)).max(50).default([]),
    alerts: Alerts.optional(),
    sla: Sla.optional(),
    tasks: z.array(RawTask).min(1, "a pipeline needs at least one task").max(MAX_TASKS),
  })
  .meta({ title: "Tutti pipeline spec" });

export type RawSpecOutput = z.output<typeof RawSpec>;
export type RawTaskOutput = z.output<typeof RawTask>;

export interface Schedule {
  cron: string;
  timezone: string;
}

export interface NormalizedRetries {
  max: number;
  backoff: Backoff;
  delay_ms: number;
  max_delay_ms: number;
  jitter: boolean;
}

export interface NormalizedTask {
  id: string;
  connector: string;
  /** null only for connectors that need no connection. */
  connection: string | null;
  /** Parsed by the connector's `withSchema` (its defaults filled). */
  with: Record<string, unknown>;
  depends_on: string[];
  /** A keyword or a CEL expression, checked at push (pipelines/references.ts). */
  run_if: string;
  retries: NormalizedRetries;
  timeout_ms: number | null;
  skip_downstream_if_no_new_data: boolean;
  poll_interval_ms: number;
  /** Absent without a pool, so specs pushed before pools existed hash as they did. */
  pool?: string;
  pool_slots?: number;
}

export interface AfterTriggerSpec {
  after: string;
  on: TriggerOn;
}
export interface WebhookTriggerSpec {
  webhook: Record<string, never>;
}
export interface DatasetsTriggerSpec {
  datasets: Array<{ namespace: string; name: string }>;
  mode: DatasetTriggerMode;
  /** Only for `mode: all`; null for `any`. */
  within_ms: number | null;
}
/** Told apart by their one key (`after`, `webhook`, `datasets`), so versions stored before the other kinds read the same. */
export type NormalizedTrigger = AfterTriggerSpec | WebhookTriggerSpec | DatasetsTriggerSpec;

/** What Tutti stores per version and the engine runs: every default filled, every duration in ms. */
export interface NormalizedSpec {
  name: string;
  team: string;
  description: string;
  schedule: Schedule | null;
  triggers: NormalizedTrigger[];
  concurrency: { max_runs: number; on_conflict: OnConflict };
  params: Record<string, unknown>;
  timeout_ms: number | null;
  products: string[];
  alerts: { on: AlertEvent[]; to: string[] } | null;
  sla: { finish_by: string; timezone: string } | null;
  tasks: NormalizedTask[];
}

/** Response schema of a normalized spec (the API parses what it sends through it). */
export const NormalizedSpecSchema = z
  .object({
    name: z.string(),
    team: z.string(),
    description: z.string(),
    schedule: z.object({ cron: z.string(), timezone: z.string() }).nullable(),
    triggers: z.array(
      z.union([
        z.object({ after: z.string(), on: z.enum(triggerOnValues) }),
        z.object({ webhook: z.object({}) }),
        z.object({
          datasets: z.array(z.object({ namespace: z.string(), name: z.string() })),
          mode: z.enum(datasetTriggerModes),
          within_ms: z.number().nullable(),
        }),
      ]),
    ),
    concurrency: z.object({ max_runs: z.number().int(), on_conflict: z.enum(onConflictValues) }),
    params: z.record(z.string(), z.unknown()),
    timeout_ms: z.number().nullable(),
    products: z.array(z.string()),
    alerts: z.object({ on: z.array(z.enum(alertEventValues)), to: z.array(z.string()) }).nullable(),
    sla: z.object({ finish_by: z.string(), timezone: z.string() }).nullable(),
    tasks: z.array(
      z.object({
        id: z.string(),
        connector: z.string(),
        connection: z.string().nullable(),
        with: z.record(z.string(), z.unknown()),
        depends_on: z.array(z.string()),
        run_if: z.string(),
        retries: z.object({
          max: z.number().int(),
          backoff: z.enum(backoffValues),
          delay_ms: z.number(),
          max_delay_ms: z.number(),
          jitter: z.boolean(),
        }),
        timeout_ms: z.number().nullable(),
        skip_downstream_if_no_new_data: z.boolean(),
        poll_interval_ms: z.number(),
        pool: z.string().optional(),
        pool_slots: z.number().int().optional(),
      }),
    ),
  })
  .openapi("NormalizedPipelineSpec");
