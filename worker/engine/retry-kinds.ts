/** A tool's own partial rerun: dbt Cloud's rerun from failure and GitHub's re-run of failed jobs, Databricks' run repair. */
export const nativeRerunKinds = ["rerun_failed", "repair"] as const;
export type NativeRerunKind = (typeof nativeRerunKinds)[number];

/** How an attempt after the first was started: a fresh trigger of the whole work, or the tool's own partial rerun. */
export const retryKinds = ["retrigger", ...nativeRerunKinds] as const;
export type RetryKind = (typeof retryKinds)[number];

/**
 * How each kind reads in the dashboard and the CLI: a short label for a badge or a status line, and what it means.
 * One definition, so both say the same.
 */
export const retryKindText: Record<RetryKind, { label: string; meaning: string }> = {
  retrigger: { label: "triggered again", meaning: "The work was started afresh in the tool" },
  rerun_failed: {
    label: "rerun of failed",
    meaning: "The tool's own rerun from failure: only what failed ran again (dbt Cloud rerun, GitHub Actions re-run of failed jobs)",
  },
  repair: { label: "repair", meaning: "A Databricks repair of the failed run: only its failed tasks ran again, in the same run" },
};
