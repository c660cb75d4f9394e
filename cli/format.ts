import type { PipelineSpecDiff } from "../api/schema";
import type { ApiFailure, ErrorDetail } from "./http";

/**
 * `<file>:<line>:<column>: <path>: <message>` when the API placed the problem in the spec's text, as compilers print
 * it (editors, GitHub's problem matchers and CI log viewers link it to the line); else `<file>:<path>: <message>`.
 */
export const detailLine = (file: string, d: ErrorDetail) =>
  d.line ? `${file}:${d.line}:${d.column ?? 1}: ${d.path}: ${d.message}` : `${file}:${d.path}: ${d.message}`;

/** `<file>:<line>:<column>: <message>` for syntax errors, as compilers print them. */
export const positionLine = (file: string, line: number, column: number, message: string) =>
  line ? `${file}:${line}:${column}: ${message}` : `${file}: ${message}`;

/** Every line an API failure should print for one file: field errors one per line, else the message. */
export function failureLines(file: string, e: ApiFailure): string[] {
  if (e.details.length) return e.details.map((d) => detailLine(file, d));
  const suffix = e.requestId ? ` (request ${e.requestId})` : "";
  return [`${file}: ${e.code}: ${e.message}${suffix}`];
}

/** The parts of a pushed version's diff the summary prints. */
export type DiffSummary = Omit<PipelineSpecDiff, "identical">;

const schedule = (s: { cron: string; timezone: string } | null) => (s ? `"${s.cron}" ${s.timezone}` : "none");

/** One line per kind of change, indented under the pipeline's line. */
export function diffLines(d: DiffSummary): string[] {
  const out: string[] = [];
  if (d.tasks_added.length) out.push(`  + tasks: ${d.tasks_added.join(", ")}`);
  if (d.tasks_removed.length) out.push(`  - tasks: ${d.tasks_removed.join(", ")}`);
  for (const t of d.tasks_changed) out.push(`  ~ task ${t.id}: ${t.fields.join(", ")}`);
  if (d.schedule_changed) out.push(`  ~ schedule: ${schedule(d.schedule_before)} → ${schedule(d.schedule_after)}`);
  if (d.other_changes.length) out.push(`  ~ ${d.other_changes.join(", ")}`);
  return out;
}
