import type { ExternalSignal, ZombieDigestProduct, ZombieDigestSignal } from "../queues/notify-messages";
import { unusedProductIntent } from "./unused-product-intent";
import type { EngineSignal } from "../queues/signals";
import { defaultSeverity, type AlertKind, type AlertSeverity } from "./kinds";

/**
 * Signals → what should happen to alerts. Pure: owners, impact and routing are worked out by the caller, which
 * reads D1. Only production runs alert (`environment: prod`); other environments are for trying things out.
 */

export type Owner = { teamId: string | null } | { datasetId: string };

/** Where downstream impact is computed from. */
export type ImpactSource = { pipelineId: string; pipelineName: string; teamId: string } | { datasetId: string } | null;

export interface RaiseIntent {
  action: "raise";
  /** Identifies the signal (and the intent within it), so a redelivered signal is applied once. */
  signalKey: string;
  at: number;
  kind: AlertKind;
  severity: AlertSeverity;
  dedupeKey: string;
  title: string;
  summary: string;
  subject: { type: "pipeline" | "dataset" | "product" | "team" | "connection"; id: string; name: string };
  owner: Owner;
  pipeline: { id: string; name: string } | null;
  runId: string | null;
  details: Record<string, unknown>;
  impactFrom: ImpactSource;
  /** Why downstream products are affected, completing "… because <cause>". */
  cause: string;
}

export type ResolveMatch = { pipelineId: string; kinds: AlertKind[] } | { dedupeKeys: string[] };

export interface ResolveIntent {
  action: "resolve";
  signalKey: string;
  at: number;
  match: ResolveMatch;
  reason: string;
  runId: string | null;
}

export type Intent = RaiseIntent | ResolveIntent;

/** What the caller looked up before mapping: the connection a failing task uses (for auth failures). */
export interface SignalContext {
  connectionName?: string | null;
}

/** Kinds a successful production run of a pipeline resolves. */
export const RESOLVED_BY_SUCCESS: AlertKind[] = [
  "run_failed",
  "run_timed_out",
  "retries_exhausted",
  "sla_missed",
  "dispatch_dead_lettered",
  "connection_failing",
];

export const pipelineKey = (pipelineId: string, what: string) => `pipeline:${pipelineId}:${what}`;

type FailedTask = { key: string; status: string; attempt: number; error: { kind: string; message: string } | null };

/** "ingest_crm's task load failed", "ingest_crm failed (tasks a, b)", "ingest_crm timed out". */
export function failureCause(pipelineName: string, failedTasks: FailedTask[], status: string): string {
  const verb = status === "timed_out" ? "timed out" : "failed";
  if (failedTasks.length === 1) return `${pipelineName}'s task ${failedTasks[0].key} ${failedTasks[0].status === "timed_out" ? "timed out" : "failed"}`;
  if (failedTasks.length > 1) return `${pipelineName} ${verb} (tasks ${failedTasks.map((t) => t.key).join(", ")})`;
  return `${pipelineName} ${verb}`;
}

function runFailureSummary(s: Extract<EngineSignal, { type: "engine.run_finished" }>): string {
  const first = s.failedTasks.find((t) => t.error) ?? s.failedTasks[0];
  const what = s.status === "timed_out" ? "timed out" : "failed";
  if (!first) return `Run ${s.runId} of ${s.pipelineName} ${what}${s.reason ? `: ${s.reason}` : "."}`;
  const others = s.failedTasks.length > 1 ? ` (${s.failedTasks.length - 1} more task${s.failedTasks.length > 2 ? "s" : ""} failed)` : "";
  return `Run ${s.runId} of ${s.pipelineName} ${what}: task ${first.key} ${first.status === "timed_out" ? "timed out" : "failed"} on attempt ${first.attempt}${first.error ? ` — ${first.error.message}` : ""}${others}.`;
}

export function intentsForEngineSignal(s: EngineSignal, context: SignalContext = {}): Intent[] {
  switch (s.type) {
    case "engine.run_finished": {
      if (s.environment !== "prod") return [];
      const signalKey = `run_finished:${s.runId}:${s.status}:${s.at}`;
      const pipeline = { id: s.pipelineId, name: s.pipelineName };
      if (s.status === "succeeded") {
        return [
          {
            action: "resolve",
            signalKey,
            at: s.at,
            runId: s.runId,
            match: { pipelineId: s.pipelineId, kinds: RESOLVED_BY_SUCCESS },
            reason: `Run ${s.runId} of ${s.pipelineName} succeeded.`,
          },
        ];
      }
      if (s.status !== "failed" && s.status !== "timed_out") return [];
      const kind: AlertKind = s.status === "timed_out" ? "run_timed_out" : "run_failed";
      return [
        {
          action: "raise",
          signalKey,
          at: s.at,
          kind,
          severity: defaultSeverity[kind],
          dedupeKey: pipelineKey(s.pipelineId, kind),
          title: `${s.pipelineName} ${s.status === "timed_out" ? "timed out" : "failed"}`,
          summary: runFailureSummary(s),
          subject: { type: "pipeline", ...pipeline },
          owner: { teamId: s.teamId },
          pipeline,
          runId: s.runId,
          details: { run_id: s.runId, status: s.status, reason: s.reason, trigger: s.triggerKind, failed_tasks: s.failedTasks },
          impactFrom: { pipelineId: s.pipelineId, pipelineName: s.pipelineName, teamId: s.teamId },
          cause: failureCause(s.pipelineName, s.failedTasks, s.status),
        },
      ];
    }
    case "engine.task_failed": {
      if (s.environment !== "prod") return [];
      const pipeline = { id: s.pipelineId, name: s.pipelineName };
      const base = {
        at: s.at,
        owner: { teamId: s.teamId },
        pipeline,
        runId: s.runId,
        impactFrom: { pipelineId: s.pipelineId, pipelineName: s.pipelineName, teamId: s.teamId },
      };
      const out: Intent[] = [];
      const signalKey = `task_failed:${s.runId}:${s.taskKey}:${s.attempt}:${s.at}`;
      if (s.error?.kind === "auth" && context.connectionName) {
        const name = context.connectionName;
        out.push({
          action: "raise",
          signalKey: `${signalKey}:connection`,
          ...base,
          kind: "connection_failing",
          severity: defaultSeverity.connection_failing,
          dedupeKey: `connection:${s.teamId}:${name}`,
          title: `Connection ${name} is failing`,
          summary: `The tool rejected the credentials of connection ${name} (task ${s.taskKey} of ${s.pipelineName}): ${s.error.message}`,
          subject: { type: "connection", id: name, name },
          details: { connection: name, task: s.taskKey, run_id: s.runId, error: s.error },
          cause: `connection ${name} is failing`,
        });
      }
      if (s.retriesExhausted) {
        out.push({
          action: "raise",
          signalKey: `${signalKey}:retries`,
          ...base,
          kind: "retries_exhausted",
          severity: defaultSeverity.retries_exhausted,
          dedupeKey: pipelineKey(s.pipelineId, `retries_exhausted:${s.taskKey}`),
          title: `${s.pipelineName}: task ${s.taskKey} ran out of retries`,
          summary: `Task ${s.taskKey} of ${s.pipelineName} ${s.status === "timed_out" ? "timed out" : "failed"} on its last attempt (${s.attempt})${s.error ? `: ${s.error.message}` : "."}`,
          subject: { type: "pipeline", ...pipeline },
          details: { task: s.taskKey, attempt: s.attempt, run_id: s.runId, error: s.error },
          cause: `${s.pipelineName}'s task ${s.taskKey} ran out of retries`,
        });
      }
      return out;
    }
    case "engine.sla_checked": {
      const signalKey = `sla:${s.pipelineId}:${s.deadlineAt}:${s.met ? "met" : "missed"}`;
      const dedupeKey = pipelineKey(s.pipelineId, "sla_missed");
      if (s.met)
        return [
          { action: "resolve", signalKey, at: s.at, runId: null, match: { dedupeKeys: [dedupeKey] }, reason: `${s.pipelineName} met its ${s.finishBy} SLA.` },
        ];
      const pipeline = { id: s.pipelineId, name: s.pipelineName };
      return [
        {
          action: "raise",
          signalKey,
          at: s.at,
          kind: "sla_missed",
          severity: defaultSeverity.sla_missed,
          dedupeKey,
          title: `${s.pipelineName} missed its ${s.finishBy} SLA`,
          summary: `No production run of ${s.pipelineName} succeeded by ${s.finishBy} ${s.timezone}. Last success: ${s.lastSuccessAt ? new Date(s.lastSuccessAt).toISOString() : "never"}.`,
          subject: { type: "pipeline", ...pipeline },
          owner: { teamId: s.teamId },
          pipeline,
          runId: null,
          details: {
            deadline: new Date(s.deadlineAt).toISOString(),
            finish_by: s.finishBy,
            timezone: s.timezone,
            last_success_at: s.lastSuccessAt ? new Date(s.lastSuccessAt).toISOString() : null,
          },
          impactFrom: { pipelineId: s.pipelineId, pipelineName: s.pipelineName, teamId: s.teamId },
          cause: `${s.pipelineName} missed its ${s.finishBy} SLA`,
        },
      ];
    }
    case "engine.watch_due":
      // Watches carry alerting's own timers; the consumer handles them (they need D1 reads, not a mapping).
      return [];
    default: {
      const never: never = s;
      throw new Error(`unknown engine signal ${(never as { type: string }).type}`);
    }
  }
}

export const budgetKey = (budgetId: string, period: string, thresholdPercent: number) => `budget:${budgetId}:${period}:${thresholdPercent}`;
/** One zombie digest per owner team (or for products without one) and month. */
export const zombieDigestKey = (teamId: string | null, period: string) => `zombies:${teamId ?? "unowned"}:${period}`;
export const qualityKey = (datasetId: string, checkName: string, column: string | null) => `dataset:${datasetId}:quality:${checkName}:${column ?? ""}`;

const money = (amount: number, currency: string) => `${amount.toLocaleString("en-US", { maximumFractionDigits: 2 })} ${currency}`;

export function intentsForExternalSignal(s: ExternalSignal): Intent[] {
  switch (s.type) {
    case "budget.threshold_crossed": {
      const severity: AlertSeverity = s.threshold >= 100 ? "critical" : "warning";
      const name = s.scopeName || s.scopeId;
      const what = s.scope === "team" ? `Team ${name}` : name;
      const key = budgetKey(s.budgetId, s.period, s.threshold);
      return [
        {
          action: "raise",
          // A crossing happens once per (budget, period, threshold); a re-sent one (lost send) is the same signal.
          signalKey: key,
          at: s.at,
          kind: "budget_threshold",
          severity,
          dedupeKey: key,
          title: `${what} reached ${s.threshold}% of its ${s.period} budget`,
          summary: `${what} has spent ${money(s.amount, s.currency)} of its ${money(s.limit, s.currency)} budget for ${s.period}${s.limit > 0 ? ` (${Math.round((s.amount / s.limit) * 100)}%)` : ""}.`,
          subject: { type: s.scope, id: s.scopeId, name },
          owner: { teamId: s.ownerTeamId },
          pipeline: null,
          runId: null,
          details: { budget_id: s.budgetId, period: s.period, threshold_percent: s.threshold, spent: s.amount, limit: s.limit, currency: s.currency },
          impactFrom: null,
          cause: `${what} is over ${s.threshold}% of its budget`,
        },
      ];
    }
    case "products.zombie_digest":
      return [zombieDigestIntent(s)];
    case "products.unused_policy":
      return [unusedProductIntent(s)];
    case "quality.check_failed":
    case "quality.check_passed": {
      const dedupeKey = qualityKey(s.datasetId, s.checkName, s.column);
      const signalKey = `quality:${dedupeKey}:${s.type}:${s.at}`;
      const check = s.column ? `${s.checkName} on ${s.column}` : s.checkName;
      if (s.type === "quality.check_passed") {
        return [
          {
            action: "resolve",
            signalKey,
            at: s.at,
            runId: null,
            match: { dedupeKeys: [dedupeKey] },
            reason: `Check ${check} on ${s.datasetName} passes again.`,
          },
        ];
      }
      return [
        {
          action: "raise",
          signalKey,
          at: s.at,
          kind: "quality_failed",
          severity: defaultSeverity.quality_failed,
          dedupeKey,
          title: `Quality check ${check} failed on ${s.datasetName}`,
          summary: `Check ${check} on ${s.datasetName} reported ${s.status}${s.message ? `: ${s.message}` : "."}`,
          subject: { type: "dataset", id: s.datasetId, name: s.datasetName },
          owner: { datasetId: s.datasetId },
          pipeline: null,
          runId: null,
          details: { check: s.checkName, column: s.column, status: s.status, message: s.message },
          impactFrom: { datasetId: s.datasetId },
          cause: `check ${check} failed on ${s.datasetName}`,
        },
      ];
    }
    default: {
      const never: never = s;
      throw new Error(`unknown signal ${(never as { type: string }).type}`);
    }
  }
}

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** One line per zombie: cost, since when unused, what depends on it. */
export function zombieLine(p: ZombieDigestProduct, currency: string): string {
  const since = p.lastUsedDay ? `unused since ${p.lastUsedDay}` : `never used (registered ${utcDay(p.createdAt)})`;
  const dependents = [
    p.dependentProducts.length ? `products ${p.dependentProducts.join(", ")}` : null,
    p.downstreamDatasets ? `${p.downstreamDatasets} downstream dataset${p.downstreamDatasets === 1 ? "" : "s"}` : null,
  ].filter(Boolean);
  return `• ${p.name}: ${money(p.cost30d, currency)} in the last 30 days, ${since}; ${dependents.length ? `depended on by ${dependents.join(" and ")}` : "nothing depends on it"}`;
}

function zombieDigestIntent(s: ZombieDigestSignal): Intent {
  const key = zombieDigestKey(s.teamId, s.period);
  const who = s.teamId ? `Team ${s.teamName ?? s.teamId}` : "Products without an owner team";
  const total = s.products.reduce((a, p) => a + p.cost30d, 0);
  const count = `${s.products.length} zombie product${s.products.length === 1 ? "" : "s"}`;
  return {
    action: "raise",
    // One digest per team and month: a re-sent signal (lost send) is the same one.
    signalKey: key,
    at: s.at,
    kind: "zombie_products",
    severity: "warning",
    dedupeKey: key,
    title: `${who}: ${count} in ${s.period}`,
    summary: [`${count} cost ${money(total, s.currency)} in the last 30 days and nobody used them:`, ...s.products.map((p) => zombieLine(p, s.currency))].join(
      "\n",
    ),
    subject: s.teamId ? { type: "team", id: s.teamId, name: s.teamName ?? s.teamId } : { type: "team", id: "unowned", name: "no owner team" },
    owner: { teamId: s.teamId },
    pipeline: null,
    runId: null,
    details: {
      period: s.period,
      currency: s.currency,
      products: s.products.map((p) => ({
        id: p.id,
        name: p.name,
        cost_30d: p.cost30d,
        last_used_day: p.lastUsedDay,
        dependent_products: p.dependentProducts,
        downstream_datasets: p.downstreamDatasets,
      })),
    },
    impactFrom: null,
    cause: `${count} cost money and nobody uses them`,
  };
}
