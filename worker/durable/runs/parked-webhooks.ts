import type { TaskOutcome } from "../../connectors/types";
import type { RunState } from "../../engine/types";
import type { RunRow } from "../storage";
import type { WebhookMatch, WebhookReport } from "./contract";
import type { RunsCore } from "./core";

const webhookEventId = (connector: string, deliveryId: string) => `webhook:${connector}:${deliveryId}`;

/**
 * A verified tool webhook about the tool's run `externalId`. Applied to the task that has that id;
 * parked when none has it yet (the webhook beat the trigger response) and applied once one does.
 * Returns what happened so the receiver can record it.
 */
export async function reportWebhook(core: RunsCore, input: WebhookReport): Promise<WebhookMatch> {
  const target = core.store.findActiveTaskByExternalId(input.connectionId, input.externalId);
  if (!target) {
    core.store.parkWebhook(input.connectionId, input.externalId, input.deliveryId, input.outcome, core.now());
    return { matched: null };
  }
  core.apply(target.runId, webhookEventId(input.connector, input.deliveryId), {
    type: "task.outcome",
    key: target.taskKey,
    attempt: target.attempt,
    outcome: input.outcome,
    source: "webhook",
  });
  await core.settle();
  return { matched: { runId: target.runId, taskKey: target.taskKey } };
}

/** Webhooks that arrived before their task knew its external id are applied as soon as it does. */
export function applyParkedWebhooks(core: RunsCore, row: RunRow, state: RunState) {
  for (const task of Object.values(state.tasks)) {
    const externalId = task.handle?.externalId;
    const connectionId = task.handle?.connectionId;
    if (!externalId || !connectionId || row.state.tasks[task.key]?.handle?.externalId === externalId) continue;
    const connector = row.meta.tasks.find((t) => t.id === task.key)?.connector;
    if (!connector) continue;
    for (const parked of core.store.takeParkedWebhooks(connectionId, externalId)) {
      core.apply(row.id, webhookEventId(connector, parked.deliveryId), {
        type: "task.outcome",
        key: task.key,
        attempt: task.attempt,
        outcome: parked.outcome as TaskOutcome,
        source: "webhook",
      });
    }
  }
}
