import type { ErrorDetail } from "../lib/errors";
import { artifactVersion } from "./dbt-manifest";
import { parseTimestamp } from "./timestamp";

/**
 * dbt run_results.json (v6 for dbt 1.8+, v4–v5 leniently) → per-node status, timing, rows, bytes and warehouse
 * query ids. Like the manifest reader, an accumulator fed one result at a time so large files can be streamed.
 */

export const CURRENT_RUN_RESULTS_VERSION = 6;

export interface RunResultsMetadata {
  schemaVersion: number;
  dbtVersion: string | null;
  invocationId: string | null;
  generatedAt: number | null;
}

export interface DbtResult {
  uniqueId: string;
  /** As dbt wrote it (success, error, skipped, pass, fail, warn, partial success, no-op, reused, runtime error…). */
  status: string;
  executionSeconds: number | null;
  /** Execute phase when dbt timed it, else compile, else null. */
  startedAt: number | null;
  completedAt: number | null;
  rowsAffected: number | null;
  bytesProcessed: number | null;
  bytesBilled: number | null;
  slotMs: number | null;
  /** Snowflake `query_id`, else BigQuery `job_id`: the key that joins a node to warehouse cost. */
  queryId: string | null;
  failures: number | null;
  message: string | null;
  threadId: string | null;
  adapterResponse: Record<string, unknown>;
}

export interface ParsedRunResults {
  metadata: RunResultsMetadata;
  results: DbtResult[];
  elapsedSeconds: number | null;
  /** args.which: run, build, test, seed, snapshot… */
  command: string | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const int = (v: unknown): number | null => {
  const n = num(v);
  return n === null ? null : Math.round(n);
};
const typeName = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/** dbt statuses → Tutti's: run statuses and test/freshness statuses share one vocabulary here. */
export function normaliseDbtStatus(status: string): "success" | "error" | "skipped" | "pass" | "fail" | "warn" | "other" {
  switch (status.toLowerCase()) {
    case "success":
    case "partial success":
    case "no-op":
    case "reused":
      return "success";
    case "error":
    case "runtime error":
      return "error";
    case "skipped":
      return "skipped";
    case "pass":
      return "pass";
    case "fail":
      return "fail";
    case "warn":
      return "warn";
    default:
      return "other";
  }
}

export class RunResultsReader {
  readonly errors: ErrorDetail[] = [];
  private metadata: RunResultsMetadata | null = null;
  private readonly results: DbtResult[] = [];
  private elapsedSeconds: number | null = null;
  private command: string | null = null;
  private sawResults = false;

  constructor(private readonly prefix = "run_results") {}

  private fail(path: string, message: string) {
    if (this.errors.length < 100) this.errors.push({ path: `${this.prefix}${path}`, message });
  }

  onMetadata(value: unknown) {
    if (!isObject(value)) {
      this.fail(".metadata", `expected an object, got ${typeName(value)}`);
      return;
    }
    const v = artifactVersion(value.dbt_schema_version);
    if (!v) {
      this.fail(".metadata.dbt_schema_version", "required: the run-results schema URL, e.g. https://schemas.getdbt.com/dbt/run-results/v6.json");
      return;
    }
    if (v.kind !== "run-results") {
      this.fail(".metadata.dbt_schema_version", `this is a ${v.kind} v${v.version} artifact, not run_results`);
      return;
    }
    const generated = str(value.generated_at);
    this.metadata = {
      schemaVersion: v.version,
      dbtVersion: str(value.dbt_version),
      invocationId: str(value.invocation_id),
      generatedAt: generated ? parseTimestamp(generated) : null,
    };
  }

  startResults() {
    this.sawResults = true;
  }

  onResult(index: number, value: unknown) {
    this.sawResults = true;
    const path = `.results[${index}]`;
    if (!isObject(value)) {
      this.fail(path, `expected an object, got ${typeName(value)}`);
      return;
    }
    const uniqueId = str(value.unique_id);
    const status = str(value.status);
    if (!uniqueId) this.fail(`${path}.unique_id`, value.unique_id === undefined ? "required" : "expected a non-empty string");
    if (!status) this.fail(`${path}.status`, value.status === undefined ? "required" : "expected a non-empty string");
    if (!uniqueId || !status) return;
    const strict = this.metadata?.schemaVersion === CURRENT_RUN_RESULTS_VERSION;
    if (strict) {
      for (const field of ["timing", "thread_id", "execution_time", "adapter_response", "message", "failures"]) {
        if (!(field in value)) this.fail(`${path}.${field}`, "required by run_results v6");
      }
    }
    const timing = Array.isArray(value.timing) ? value.timing.filter(isObject) : [];
    const phase = timing.find((t) => t.name === "execute") ?? timing.find((t) => t.name === "compile");
    const at = (v: unknown) => {
      const text = str(v);
      return text ? parseTimestamp(text) : null;
    };
    const adapter = isObject(value.adapter_response) ? value.adapter_response : {};
    this.results.push({
      uniqueId,
      status,
      executionSeconds: num(value.execution_time),
      startedAt: phase ? at(phase.started_at) : null,
      completedAt: phase ? at(phase.completed_at) : null,
      rowsAffected: int(adapter.rows_affected),
      bytesProcessed: int(adapter.bytes_processed),
      bytesBilled: int(adapter.bytes_billed),
      slotMs: int(adapter.slot_ms),
      queryId: str(adapter.query_id) ?? str(adapter.job_id),
      failures: int(value.failures),
      message: typeof value.message === "string" ? value.message : null,
      threadId: str(value.thread_id),
      adapterResponse: adapter,
    });
  }

  onElapsed(value: unknown) {
    this.elapsedSeconds = num(value);
  }

  onArgs(value: unknown) {
    if (isObject(value)) this.command = str(value.which);
  }

  finish(): { ok: true; runResults: ParsedRunResults } | { ok: false; errors: ErrorDetail[] } {
    if (!this.metadata && !this.errors.some((e) => e.path.startsWith(`${this.prefix}.metadata`))) this.fail(".metadata", "required");
    if (!this.sawResults) this.fail(".results", "required");
    if (this.errors.length || !this.metadata) return { ok: false, errors: this.errors };
    return { ok: true, runResults: { metadata: this.metadata, results: this.results, elapsedSeconds: this.elapsedSeconds, command: this.command } };
  }
}

/** Reads run_results already in memory. */
export function parseRunResults(value: unknown, prefix = "run_results") {
  const reader = new RunResultsReader(prefix);
  if (!isObject(value)) return { ok: false as const, errors: [{ path: prefix, message: `expected a run_results object, got ${typeName(value)}` }] };
  reader.onMetadata(value.metadata);
  if (Array.isArray(value.results)) {
    reader.startResults();
    value.results.forEach((r, i) => reader.onResult(i, r));
  } else if (value.results !== undefined) {
    reader.errors.push({ path: `${prefix}.results`, message: `expected an array, got ${typeName(value.results)}` });
  }
  reader.onElapsed(value.elapsed_time);
  reader.onArgs(value.args);
  return reader.finish();
}
