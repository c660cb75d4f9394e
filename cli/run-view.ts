import type { RunDetail } from "../api/schema";
import { retryKindText } from "../worker/engine/retry-kinds";
import { isTerminalRun } from "../worker/engine/states";
import type { ApiClient, ApiFailure } from "./http";
import { EXIT, UsageError } from "./io";
import type { Output } from "./output";

/** `--param k=v`: JSON literals (numbers, booleans, objects) are kept typed, anything else is a string. */
export function parseParams(pairs: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--param needs key=value, got "${pair}"`);
    const key = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    try {
      out[key] = JSON.parse(raw);
    } catch {
      out[key] = raw;
    }
  }
  return out;
}

/** "90s", "10m", "1h" → ms (bare numbers are seconds). */
export function parseTimeout(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`--timeout must look like 90s, 10m or 1h, got "${text}"`);
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? "s") as "s" | "m" | "h"];
}

/** The `--wait` and `--timeout` flags of every command that can follow a run. */
export const waitOptions = { wait: { type: "boolean", default: false }, timeout: { type: "string", default: "1h" } } as const;

export function runLines(run: RunDetail): string[] {
  const duration = run.duration_ms !== null ? ` in ${(run.duration_ms / 1000).toFixed(1)}s` : "";
  const lines = [`${run.pipeline.name} ${run.id}: ${run.status}${duration}${run.attempt > 1 ? ` (attempt ${run.attempt})` : ""}`];
  for (const t of run.tasks) {
    const extra = t.error ? ` — ${t.error.message}` : t.reason && t.status === "skipped" ? ` — ${t.reason}` : "";
    const link = t.external_url ? ` ${t.external_url}` : "";
    lines.push(`  ${t.status.padEnd(12)} ${t.key}${attemptText(t)}${extra}${link}`);
    const outputs = Object.entries(t.outputs ?? {}).map(([name, v]) => `${name}=${typeof v === "string" ? v : JSON.stringify(v)}`);
    if (outputs.length) lines.push(`               outputs: ${outputs.join(", ")}`);
  }
  return lines;
}

/** ` (attempt 2, rerun of failed)`: the attempt after the first, and how it started when it is the tool's own partial rerun. */
function attemptText(t: RunDetail["tasks"][number]): string {
  if (t.attempt <= 1) return "";
  const kind = t.attempts.find((a) => a.attempt === t.attempt)?.retry_kind;
  return ` (attempt ${t.attempt}${kind && kind !== "retrigger" ? `, ${retryKindText[kind].label}` : ""})`;
}

/** Exit code for a finished run: 0 only when it succeeded. */
export const exitFor = (status: string) => (status === "succeeded" ? EXIT.ok : EXIT.failed);

/**
 * Follows a run with the API's long poll until it ends or `timeoutMs` passes, printing each task
 * change once. Returns the last view and whether it ended.
 */
export async function followRun(
  client: ApiClient,
  runId: string,
  timeoutMs: number,
  print: (line: string) => void,
): Promise<{ run: RunDetail; ended: boolean } | { error: ApiFailure }> {
  const deadline = Date.now() + timeoutMs;
  const seen = new Map<string, string>();
  for (;;) {
    const remaining = deadline - Date.now();
    const wait = Math.max(0, Math.min(30, Math.floor(remaining / 1000)));
    const res = await client.call(client.api.GET("/runs/{id}", { params: { path: { id: runId }, query: { wait } } }));
    if (!res.ok) return { error: res.error };
    const run = res.data;
    for (const t of run.tasks) {
      const key = `${t.status}#${t.attempt}`;
      if (seen.get(t.key) !== key && t.status !== "pending") print(`  ${t.key}: ${t.status}${t.attempt > 1 ? ` (attempt ${t.attempt})` : ""}`);
      seen.set(t.key, key);
    }
    if (isTerminalRun(run.status)) return { run, ended: true };
    if (Date.now() >= deadline) return { run, ended: false };
  }
}

/**
 * Prints a run as the command's result and picks the exit code: the run's result once it has ended; while it
 * goes on, 0, or 3 when the command was waiting for its end.
 */
export function reportRun(out: Output, run: RunDetail, waited: boolean): number {
  out.result(run, runLines(run));
  if (isTerminalRun(run.status)) return exitFor(run.status);
  if (!waited) return EXIT.ok;
  out.warn(`${run.id}: still ${run.status} after the timeout; the run goes on`);
  return EXIT.timeout;
}

/** `--wait`: follows the run to its end (or the timeout), then reports it. */
export async function waitForRun(client: ApiClient, out: Output, runId: string, timeoutMs: number): Promise<number> {
  const followed = await followRun(client, runId, timeoutMs, (l) => out.progress(l));
  if ("error" in followed) return out.failure(runId, followed.error);
  return reportRun(out, followed.run, true);
}

/**
 * A run a command has just started (or restarted): without --wait, `line` is the answer and the exit is 0 unless the
 * run has already not succeeded (skipped by its concurrency policy); with --wait, `line` is progress and the run's
 * end decides.
 */
export async function startedRun(client: ApiClient, out: Output, run: RunDetail, line: string, wait: boolean, timeoutMs: number): Promise<number> {
  if (!wait) {
    out.result(run, [line]);
    return isTerminalRun(run.status) ? exitFor(run.status) : EXIT.ok;
  }
  out.progress(line);
  return waitForRun(client, out, run.id, timeoutMs);
}
