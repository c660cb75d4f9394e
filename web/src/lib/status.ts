/** The visual tones a status can take; each maps to one colour pair in app.css. */
export type Tone = "success" | "info" | "warning" | "danger" | "neutral" | "accent";

/**
 * Every status word the dashboard shows, mapped to exactly one tone, so "failed" is the same red
 * on a run, a task, a product and an alert. Add new statuses here rather than colouring locally.
 */
const toneByStatus: Record<string, Tone> = {
  // Healthy / done.
  succeeded: "success",
  pass: "success",
  success: "success",
  ok: "success",
  healthy: "success",
  fresh: "success",
  active: "success",
  accepted: "success",
  set: "success",
  resolved: "success",
  // In progress.
  running: "info",
  queued: "info",
  pending: "info",
  scheduled: "info",
  retrying: "info",
  triggered: "info",
  // Needs attention.
  late: "warning",
  stale: "warning",
  zombie: "warning",
  passing: "success",
  failing: "danger",
  warning: "warning",
  warn: "warning",
  degraded: "warning",
  expiring: "warning",
  missing: "warning",
  acknowledged: "warning",
  up_for_retry: "warning",
  paused: "warning",
  // Broken.
  failed: "danger",
  fail: "danger",
  error: "danger",
  firing: "danger",
  breached: "danger",
  unhealthy: "danger",
  timed_out: "danger",
  open: "danger",
  // Ended without effect.
  cancelled: "neutral",
  canceled: "neutral",
  skipped: "neutral",
  revoked: "neutral",
  expired: "neutral",
  disabled: "neutral",
  archived: "neutral",
  unknown: "neutral",
  not_run: "neutral",
  no_checks: "neutral",
  // Roles are labels, not health.
  owner: "accent",
  admin: "accent",
  maintainer: "accent",
  member: "neutral",
  viewer: "neutral",
};

const roles = new Set(["owner", "admin", "maintainer", "member", "viewer"]);

/** Roles are labels, drawn without the status dot that marks health and progress. */
export function isRole(status: string): boolean {
  return roles.has(status.toLowerCase());
}

export function toneOf(status: string): Tone {
  return toneByStatus[status.toLowerCase()] ?? "neutral";
}

/** `pipelines:write` → `pipelines:write`, `timed_out` → `Timed out`; scopes keep their exact spelling. */
export function statusLabel(status: string): string {
  if (status.includes(":")) return status;
  const words = status.replaceAll("_", " ").replaceAll("-", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The solid colour of a status, for marks drawn without a badge (run dots, Gantt bars, graph nodes). */
export function statusColor(status: string): string {
  const tone = toneOf(status);
  return tone === "accent" ? "var(--accent)" : `var(--${tone})`;
}
