import type { DatasetUpdate } from "../engine/dataset-triggers";
import type { DatasetsUpdatedSignal, NotifySender } from "../queues/notify-messages";

/** Updates per queue message: a message stays far below the queue's 128 KB however many models a dbt run built. */
const UPDATES_PER_MESSAGE = 200;

/**
 * Tells the tenant's dataset triggers that datasets were updated: the writes one lineage batch moved the freshness of
 * (worker/db/repo/lineage/write.ts `updatedDatasets`), sent on the `notify` queue, whose consumer hands them to the
 * tenant's run engine (runs/dataset-triggers.ts). Sent after the write is stored; the queue retries delivery.
 */
export async function announceDatasetUpdates(notify: NotifySender, tenantId: string, updates: readonly DatasetUpdate[]): Promise<void> {
  if (!updates.length) return;
  const messages: Array<{ body: DatasetsUpdatedSignal }> = [];
  for (let i = 0; i < updates.length; i += UPDATES_PER_MESSAGE) {
    messages.push({ body: { type: "lineage.datasets_updated", tenantId, updates: updates.slice(i, i + UPDATES_PER_MESSAGE) } });
  }
  await notify.sendBatch(messages);
}

/** dbt results update datasets for triggers only from production artifacts: a CI build's models are not production's data. */
export async function announceDbtDatasetUpdates(notify: NotifySender, tenantId: string, environment: string, updates: readonly DatasetUpdate[]) {
  if (environment === "prod") await announceDatasetUpdates(notify, tenantId, updates);
}
