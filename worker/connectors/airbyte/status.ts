import { field, logUnknownState, num, str } from "../tool-http";

export type AirbyteJobState =
  | { state: "running" }
  | { state: "succeeded"; rowsSynced: number | null; bytesSynced: number | null }
  | { state: "failed"; message: string }
  | { state: "cancelled"; message: string };

/**
 * Airbyte job statuses (CONTRACTS §5): pending, queued, running and incomplete (an attempt failed, Airbyte retries)
 * are in progress; succeeded, failed and cancelled are final. Unknown values keep the task waiting.
 */
export function airbyteJobState(job: unknown): AirbyteJobState {
  const status = str(field(job, "status"));
  switch (status) {
    case "pending":
    case "queued":
    case "running":
    case "incomplete":
      return { state: "running" };
    case "succeeded":
      return { state: "succeeded", rowsSynced: num(field(job, "rowsSynced")), bytesSynced: num(field(job, "bytesSynced")) };
    case "failed":
      return { state: "failed", message: "the Airbyte job failed; see its logs in Airbyte" };
    case "cancelled":
      return { state: "cancelled", message: "the Airbyte job was cancelled in Airbyte" };
    default:
      logUnknownState("Airbyte", "job status", status);
      return { state: "running" };
  }
}

export const isActiveJob = (job: unknown) => airbyteJobState(job).state === "running";

/** Airbyte's problem body: `{title, detail}` (RFC 7807) or `{message}`. */
export function airbyteErrorMessage(json: unknown): string | null {
  return str(field(json, "detail")) ?? str(field(json, "message")) ?? str(field(json, "title"));
}
