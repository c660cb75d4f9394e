/** Words and tones for alerts and ownership that several pages share. API calls are in api/alerts.ts. */
import type { OwnerSource } from "./api/types";

// The same `as const` tuples the API validates with, so filters cannot offer a value the API refuses.
export { alertKinds, alertSeverities, alertStatuses, kindLabels } from "../../../worker/alerting/kinds";

export const severityTone = { critical: "danger", warning: "warning", info: "info" } as const;

export const transitionLabel = (t: string) =>
  t === "opened" ? "Opened" : t === "resolved" ? "Resolved" : t.startsWith("escalated:") ? `Re-notified (${t.slice(10)})` : t;

export const ownerSourceLabel: Record<OwnerSource, string> = {
  declared: "set explicitly",
  pipeline_team: "the pipeline's team",
  writer: "inherited from the pipeline that writes it",
  declaring_pipeline: "the team of the pipeline that declares it",
};
