import { ConnectorError } from "../http-errors";
import { sectionedLog } from "../../logs/format";
import { epochMs, field, responseError, str, testFailure } from "../tool-http";
import type { ConnectorDefinition, ExternalHandle, TaskOutcome } from "../types";
import { airbyteClient } from "./client";
import { AirbyteConfig, AirbyteWith } from "./schema";
import { airbyteErrorMessage, airbyteJobState, isActiveJob } from "./status";
import { airbyteWebhook } from "./webhook";

const TOOL = "Airbyte";

const jobLink = (config: AirbyteConfig, connectionId: string) =>
  config.web_url ? `${config.web_url.replace(/\/+$/, "")}/connections/${connectionId}/job-history` : undefined;

function outcomeOf(job: unknown, handle: ExternalHandle): TaskOutcome {
  const s = airbyteJobState(job);
  switch (s.state) {
    case "running":
      return { status: "running", ...handle };
    case "succeeded":
      return {
        status: "succeeded",
        // A sync that moved no rows lets `skip_downstream_if_no_new_data` skip what depends on it.
        noNewData: s.rowsSynced === 0,
        output: { job_id: handle.externalId, rows_synced: s.rowsSynced, bytes_synced: s.bytesSynced },
        ...handle,
      };
    case "failed":
      return { status: "failed", error: { kind: "tool_failure", message: s.message }, ...handle };
    case "cancelled":
      return { status: "cancelled", reason: s.message, ...handle };
  }
}

/** Airbyte connections: create a job, follow it by status, cancel it; a job already running is adopted. */
export const airbyteConnector: ConnectorDefinition<AirbyteWith, AirbyteConfig> = {
  kind: "airbyte",
  title: "Airbyte",
  withSchema: AirbyteWith,
  configSchema: AirbyteConfig,
  secretFields: [],
  optionalSecretFields: ["client_id", "client_secret", "api_token", "webhook_secret"],
  hostFields: ["base_url"],
  outputs: {
    job_id: { type: "string", description: "Airbyte's job id" },
    rows_synced: { type: "int", description: "Rows the job synced (when Airbyte reports it)" },
    bytes_synced: { type: "int", description: "Bytes the job synced (when Airbyte reports it)" },
  },

  async trigger(ctx, input) {
    const client = airbyteClient(ctx);
    const r = await client.call("POST", "jobs", { connectionId: input.connection_id, jobType: input.job_type });
    let job: unknown = r.json;
    if (!r.ok) {
      // No idempotency in Airbyte: when it refuses because a job runs (our earlier attempt, or a schedule), follow that one.
      const running = r.status === 409 || r.status === 400 ? (await client.recentJobs(input.connection_id, input.job_type)).find(isActiveJob) : undefined;
      if (!running) throw new ConnectorError(responseError(TOOL, r, airbyteErrorMessage(r.json)));
      job = running;
    }
    const jobId = str(field(job, "jobId"));
    if (!jobId) throw new ConnectorError({ kind: "tool_failure", message: "Airbyte accepted the job but returned no jobId" });
    return outcomeOf(job, { externalId: jobId, externalUrl: jobLink(ctx.config, input.connection_id) });
  },

  async poll(ctx, _input, handle) {
    if (!handle.externalId) throw new ConnectorError({ kind: "tool_failure", message: "no Airbyte job id was recorded for this task" });
    return outcomeOf(await airbyteClient(ctx).getJob(handle.externalId), handle);
  },

  async cancel(ctx, _input, handle) {
    if (handle.externalId) await airbyteClient(ctx).cancelJob(handle.externalId);
  },

  async test(ctx) {
    try {
      const workspaces = await airbyteClient(ctx).listWorkspaces();
      const name = Array.isArray(workspaces) ? str(field(workspaces[0], "name")) : null;
      return { ok: true, message: name ? `signed in to Airbyte (workspace "${name}")` : "signed in to Airbyte" };
    } catch (err) {
      return testFailure(err);
    }
  },

  /**
   * Each attempt of the job with its log. Airbyte writes `logLines` (formatted) or structured `events` (timestamp in
   * ms, level, source, message, stack trace); both read as lines.
   */
  async logs(ctx, _input, outcome) {
    if (!outcome.externalId) return null;
    const attempts = field(await airbyteClient(ctx).jobWithLogs(outcome.externalId), "attempts");
    if (!Array.isArray(attempts) || !attempts.length) return null;
    return sectionedLog(
      attempts.map((a, i) => {
        const attempt = field(a, "attempt");
        return {
          title: `Attempt ${i + 1} (${str(field(attempt, "status")) ?? "unknown"})`,
          text: airbyteLogLines(field(a, "logs")).join("\n"),
        };
      }),
    );
  },

  webhook: airbyteWebhook,
};

/** The lines of an attempt's `logs`, whichever of Airbyte's two shapes it has. */
export function airbyteLogLines(logs: unknown): string[] {
  const lines = field(logs, "logLines");
  if (Array.isArray(lines)) return lines.map((l) => String(l));
  const events = field(logs, "events");
  if (!Array.isArray(events)) return [];
  return events.flatMap((e) => {
    const at = epochMs(field(e, "timestamp"));
    const head = [at !== null ? new Date(at).toISOString() : null, str(field(e, "level"))?.toUpperCase(), str(field(e, "logSource"))].filter(Boolean).join(" ");
    const stack = str(field(e, "stackTrace"));
    return [`${head} ${str(field(e, "message")) ?? ""}`.trim(), ...(stack ? [stack] : [])];
  });
}
