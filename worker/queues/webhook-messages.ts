import type { TaskOutcome } from "../connectors/types";

/** A verified, already stored tool webhook whose outcome goes from the receiver to the tenant's run engine. */
export interface WebhookMessage {
  tenantId: string;
  /** The connection's team (the dead-letter view shows a webhook to its team). */
  teamId: string;
  connector: string;
  connectionId: string;
  deliveryId: string;
  eventType: string;
  /** The stored `webhook_deliveries` row, marked with the task run the engine applied the delivery to. */
  storedId: string;
  externalId: string;
  outcome: TaskOutcome;
}
