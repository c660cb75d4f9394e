import type { z } from "@hono/zod-openapi";
import type { ConnectorDefinition } from "../connectors/types";
import { detailsFromIssues, formatPath, type ErrorDetail } from "../lib/errors";
import { parseDuration } from "../lib/time";
import { canonicalTimezone } from "./cron";
import { findCycles } from "./dag";
import { referenceProblems, taskOutputs } from "./references";
import {
  DEFAULT_MAX_DELAY_MS,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_RETRY_DELAY,
  DEFAULT_DATASET_WITHIN,
  DEFAULT_TIMEZONE,
  RawSpec,
  triggerSchemaFor,
  type NormalizedTrigger,
  type NormalizedSpec,
  type NormalizedTask,
  type RawSpecOutput,
  type RawTaskOutput,
} from "./spec";

/** What validation needs to know about connectors; the registry in production, test doubles in unit tests. */
export interface SpecDeps {
  connectorFor(kind: string): Pick<ConnectorDefinition, "kind" | "withSchema" | "configSchema" | "secretFields" | "outputs" | "selectedOutputs"> | undefined;
  connectorKinds(): string[];
}

export type ValidationResult = { ok: true; spec: NormalizedSpec } | { ok: false; errors: ErrorDetail[] };

/**
 * Checks a parsed spec (any JSON value) and returns it normalized, or every problem found with its exact
 * path (`tasks[1].depends_on[0]`). Pure: connections, teams and permissions are checked by the caller.
 */
export function validateSpec(raw: unknown, deps: SpecDeps): ValidationResult {
  const errors: ErrorDetail[] = [];
  const shape = RawSpec.safeParse(raw);
  if (!shape.success) errors.push(...detailsFromIssues(precisePerTrigger(raw, shape.error.issues)));
  // Cross-field rules run on the raw input even when its shape is wrong, so one push reports everything.
  const cross = crossFieldChecks(raw, deps);
  errors.push(...cross.errors);
  if (errors.length || !shape.success) return { ok: false, errors: dedupe(errors) };
  return {
    ok: true,
    spec: normalize(
      shape.data,
      shape.data.tasks.map((_, i) => cross.parsedWith.get(i)!),
    ),
  };
}

type Issue = z.core.$ZodIssue;

/** A trigger that matches none of the kinds is checked again as the kind its key names, for exact paths. */
function precisePerTrigger(raw: unknown, issues: readonly Issue[]): Issue[] {
  return issues.flatMap((issue) => {
    const [first, index] = issue.path;
    if (issue.code !== "invalid_union" || issue.path.length !== 2 || first !== "triggers" || typeof index !== "number") return [issue];
    const item = isObject(raw) && Array.isArray(raw.triggers) ? raw.triggers[index] : undefined;
    const schema = triggerSchemaFor(item);
    if (!schema) return [{ ...issue, message: "a trigger is one of { after, on }, { webhook: {} } or { datasets, mode, within }" }];
    const result = schema.safeParse(item);
    return result.success ? [issue] : result.error.issues.map((i) => ({ ...i, path: ["triggers", index, ...i.path] }));
  });
}

function dedupe(errors: ErrorDetail[]): ErrorDetail[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.path}\n${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A connector needs no connection when an empty config is valid and no secret is required. */
export function connectionOptional(connector: Pick<ConnectorDefinition, "configSchema" | "secretFields">): boolean {
  return connector.secretFields.length === 0 && connector.configSchema.safeParse({}).success;
}

interface CrossFieldResult {
  errors: ErrorDetail[];
  /** Task index → its `with` as parsed by the connector's schema. */
  parsedWith: Map<number, Record<string, unknown>>;
}

function crossFieldChecks(raw: unknown, deps: SpecDeps): CrossFieldResult {
  const errors: ErrorDetail[] = [];
  const parsedWith = new Map<number, Record<string, unknown>>();
  if (!isObject(raw)) return { errors, parsedWith };
  const at = (path: Array<string | number>, message: string) => errors.push({ path: formatPath(path), message });

  if (Array.isArray(raw.triggers)) {
    const seen = new Set<string>();
    let webhookAt: number | null = null;
    raw.triggers.forEach((t, i) => {
      if (!isObject(t)) return;
      if ("webhook" in t) {
        if (webhookAt !== null) at(["triggers", i, "webhook"], `a pipeline has one webhook trigger (first at triggers[${webhookAt}])`);
        webhookAt ??= i;
      }
      if (Array.isArray(t.datasets)) {
        if (t.within !== undefined && t.mode !== "all") at(["triggers", i, "within"], "only applies to mode: all");
        const names = new Set<string>();
        t.datasets.forEach((d, j) => {
          if (!isObject(d) || typeof d.namespace !== "string" || typeof d.name !== "string") return;
          const key = `${d.namespace}\u0000${d.name}`;
          if (names.has(key)) at(["triggers", i, "datasets", j], `"${d.namespace}" "${d.name}" is listed twice`);
          names.add(key);
        });
      }
      if (typeof t.after !== "string") return;
      if (t.after === raw.name) at(["triggers", i, "after"], "a pipeline cannot trigger itself");
      else if (seen.has(t.after)) at(["triggers", i, "after"], `"${t.after}" is listed twice`);
      seen.add(t.after);
    });
  }
  if (Array.isArray(raw.products)) {
    const seen = new Set<unknown>();
    raw.products.forEach((p, i) => {
      if (seen.has(p)) at(["products", i], `"${String(p)}" is listed twice`);
      seen.add(p);
    });
  }
  if (!Array.isArray(raw.tasks)) return { errors, parsedWith };
  const tasks = raw.tasks.map((t) => (isObject(t) ? t : {}));
  const firstIndex = new Map<string, number>();
  tasks.forEach((t, i) => {
    if (typeof t.id !== "string") return;
    const first = firstIndex.get(t.id);
    if (first === undefined) firstIndex.set(t.id, i);
    else at(["tasks", i, "id"], `duplicate task id "${t.id}" (first used by tasks[${first}])`);
  });

  tasks.forEach((t, i) => {
    const dependsOn = Array.isArray(t.depends_on) ? t.depends_on : [];
    const seen = new Set<unknown>();
    dependsOn.forEach((dep, j) => {
      if (typeof dep !== "string") return;
      if (dep === t.id) at(["tasks", i, "depends_on", j], "a task cannot depend on itself");
      else if (!firstIndex.has(dep)) at(["tasks", i, "depends_on", j], `no task with id "${dep}"${suggest(dep, [...firstIndex.keys()])}`);
      else if (seen.has(dep)) at(["tasks", i, "depends_on", j], `"${dep}" is listed twice`);
      seen.add(dep);
    });

    if (typeof t.connector === "string") {
      const connector = deps.connectorFor(t.connector);
      if (!connector) {
        const known = deps.connectorKinds();
        at(["tasks", i, "connector"], `unknown connector "${t.connector}"; known: ${known.length ? known.join(", ") : "(none)"}`);
      } else {
        if (t.connection === undefined && !connectionOptional(connector)) {
          at(["tasks", i, "connection"], `the ${connector.kind} connector needs a connection: the name of one of the team's ${connector.kind} connections`);
        }
        if (t.with === undefined || isObject(t.with)) {
          const result = connector.withSchema.safeParse(t.with ?? {});
          if (result.success) parsedWith.set(i, result.data as Record<string, unknown>);
          else errors.push(...detailsFromIssues(result.error.issues.map((issue) => ({ ...issue, path: ["tasks", i, "with", ...issue.path] }))));
        }
      }
    }

    if (t.pool_slots !== undefined && t.pool === undefined) at(["tasks", i, "pool_slots"], "only applies with pool");

    if (isObject(t.retries) && typeof t.retries.delay === "string" && typeof t.retries.max_delay === "string") {
      const delay = parseDuration(t.retries.delay);
      const maxDelay = parseDuration(t.retries.max_delay);
      if (delay !== undefined && maxDelay !== undefined && maxDelay < delay) at(["tasks", i, "retries", "max_delay"], "must not be shorter than delay");
    }
  });

  const nodes = tasks.map((t) => ({
    id: typeof t.id === "string" ? t.id : "",
    depends_on: Array.isArray(t.depends_on) ? t.depends_on.filter((d): d is string => typeof d === "string") : [],
  }));
  for (const edge of findCycles(nodes)) {
    // findCycles indexes the filtered list; map back to the position in the spec's own depends_on.
    const original = (tasks[edge.taskIndex].depends_on as unknown[]).indexOf(nodes[edge.taskIndex].depends_on[edge.depIndex]);
    at(["tasks", edge.taskIndex, "depends_on", original], `dependency cycle: ${edge.cycle.join(" → ")}`);
  }
  const referenceTasks = tasks.map((t, i) => ({
    id: nodes[i].id,
    dependsOn: nodes[i].depends_on,
    outputs: typeof t.connector === "string" ? taskOutputs(deps.connectorFor(t.connector), parsedWith.get(i)) : null,
    with: t.with,
    runIf: t.run_if,
  }));
  errors.push(...referenceProblems(referenceTasks, isObject(raw.params) ? raw.params : {}));
  return { errors, parsedWith };
}

/** ` (did you mean "x"?)` for a near miss, so typos are quick to fix. */
function suggest(word: string, options: string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const option of options) {
    const d = editDistance(word, option);
    if (d < bestDistance) {
      best = option;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? ` (did you mean "${best}"?)` : "";
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

const ms = (text: string | undefined) => (text === undefined ? null : parseDuration(text)!);

function normalizeTask(task: RawTaskOutput, parsedWith: Record<string, unknown>): NormalizedTask {
  const delay = parseDuration(task.retries?.delay ?? DEFAULT_RETRY_DELAY)!;
  return {
    id: task.id,
    connector: task.connector,
    connection: task.connection ?? null,
    with: parsedWith,
    depends_on: task.depends_on,
    run_if: task.run_if,
    retries: {
      max: task.retries?.max ?? 0,
      backoff: task.retries?.backoff ?? "exponential",
      delay_ms: delay,
      max_delay_ms: ms(task.retries?.max_delay) ?? Math.max(delay, DEFAULT_MAX_DELAY_MS),
      jitter: task.retries?.jitter ?? true,
    },
    timeout_ms: ms(task.timeout),
    skip_downstream_if_no_new_data: task.skip_downstream_if_no_new_data,
    poll_interval_ms: ms(task.poll_interval) ?? DEFAULT_POLL_INTERVAL_MS,
    ...(task.pool ? { pool: task.pool, pool_slots: task.pool_slots ?? 1 } : {}),
  };
}

function normalizeTrigger(t: RawSpecOutput["triggers"][number]): NormalizedTrigger {
  if ("after" in t) return { after: t.after, on: t.on };
  if ("webhook" in t) return { webhook: {} };
  return {
    datasets: t.datasets.map((d) => ({ namespace: d.namespace, name: d.name })),
    mode: t.mode,
    within_ms: t.mode === "all" ? parseDuration(t.within ?? DEFAULT_DATASET_WITHIN)! : null,
  };
}

function normalize(spec: RawSpecOutput, parsedWith: Record<string, unknown>[]): NormalizedSpec {
  const schedule = spec.schedule ? { cron: spec.schedule.cron.trim().replace(/\s+/g, " "), timezone: canonicalTimezone(spec.schedule.timezone) } : null;
  return {
    name: spec.name,
    team: spec.team,
    description: spec.description,
    schedule,
    triggers: spec.triggers.map(normalizeTrigger),
    concurrency: { max_runs: spec.concurrency.max_runs, on_conflict: spec.concurrency.on_conflict },
    params: spec.params as Record<string, unknown>,
    timeout_ms: ms(spec.timeout),
    products: spec.products,
    alerts: spec.alerts ? { on: [...new Set(spec.alerts.on)], to: [...new Set(spec.alerts.to)] } : null,
    sla: spec.sla ? { finish_by: spec.sla.finish_by, timezone: canonicalTimezone(spec.sla.timezone ?? schedule?.timezone ?? DEFAULT_TIMEZONE) } : null,
    tasks: spec.tasks.map((t, i) => normalizeTask(t, parsedWith[i])),
  };
}
