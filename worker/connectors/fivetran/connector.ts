import { ConnectorError } from "../http-errors";
import { field, num, str, testFailure } from "../tool-http";
import type { ConnectorDefinition, ExternalHandle, TaskOutcome } from "../types";
import { fivetranClient } from "./client";
import { FivetranConfig, FivetranWith } from "./schema";
import { fivetranSyncState, lastFinishedAt } from "./status";
import { fivetranWebhook } from "./webhook";

interface SyncState {
  /** max(succeeded_at, failed_at) before the trigger, per Fivetran's clock; null when it never synced. */
  baseline: number | null;
}

const dashboardLink = (config: FivetranConfig, id: string) => `${config.dashboard_url.replace(/\/+$/, "")}/connections/${encodeURIComponent(id)}/status`;

/** Fivetran connections: start a sync (or re-sync) and follow it by the connection's last-finished timestamps. */
export const fivetranConnector: ConnectorDefinition<FivetranWith, FivetranConfig> = {
  kind: "fivetran",
  title: "Fivetran",
  withSchema: FivetranWith,
  configSchema: FivetranConfig,
  secretFields: ["api_key", "api_secret"],
  optionalSecretFields: ["webhook_secret"],
  hostFields: ["base_url"],
  outputs: {
    connection_id: { type: "string", description: "The Fivetran connection that synced" },
    succeeded_at: { type: "string", description: "When Fivetran recorded the sync's success (ISO 8601)" },
  },

  async trigger(ctx, input) {
    const client = fivetranClient(ctx);
    const before = await client.getConnection(input.connection_id);
    if (field(before, "paused") === true) {
      return {
        status: "failed",
        error: { kind: "invalid_config", message: `the Fivetran connection ${input.connection_id} is paused; resume it in Fivetran to sync` },
      };
    }
    const state: SyncState = { baseline: lastFinishedAt(before) };
    if (input.resync) await client.resync(input.connection_id, input.resync_scope);
    else await client.sync(input.connection_id, input.force);
    return { status: "running", externalId: input.connection_id, externalUrl: dashboardLink(ctx.config, input.connection_id), state: { ...state } };
  },

  async poll(ctx, input, handle) {
    const baseline = num((handle.state as Partial<SyncState> | undefined)?.baseline ?? null);
    const connection = await fivetranClient(ctx).getConnection(input.connection_id);
    return outcomeOf(connection, baseline, handle);
  },

  /** Fivetran has no API that stops one sync; cancelling only stops Tutti from waiting for it. */
  async cancel() {},

  async test(ctx) {
    try {
      const info = await fivetranClient(ctx).accountInfo();
      const name = str(field(info, "account_name"));
      return { ok: true, message: name ? `signed in to Fivetran account "${name}"` : "signed in to Fivetran" };
    } catch (err) {
      return testFailure(err);
    }
  },

  webhook: fivetranWebhook,
};

function outcomeOf(connection: unknown, baseline: number | null, handle: ExternalHandle): TaskOutcome {
  const s = fivetranSyncState(connection, baseline);
  switch (s.state) {
    case "running":
      return { status: "running", ...handle };
    case "succeeded":
      // Fivetran reports no row counts through its REST API (they reach the warehouse via its Platform Connector).
      return { status: "succeeded", output: { connection_id: handle.externalId, succeeded_at: new Date(s.at).toISOString() }, ...handle };
    case "failed":
      return { status: "failed", error: { kind: "tool_failure", message: s.message }, ...handle };
    case "paused":
      throw new ConnectorError({ kind: "invalid_config", message: "the Fivetran connection was paused before the sync finished" });
  }
}
