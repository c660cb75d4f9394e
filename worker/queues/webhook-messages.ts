import type { TaskOutcome } from "../connectors/types";

/** A verified tool webhook on its way from the receiver to storage and the run engine. */
export interface WebhookMessage {
  tenantId: string;
  teamId: string;
  connector: string;
  connectionId: string;
  deliveryId: string;
  eventType: string;
  externalId: string | null;
  outcome: TaskOutcome | null;
  receivedAt: number;
  /** The body as received (UTF-8 text). */
  payload: string;
  payloadBytes: number;
}

/**
 * Queue messages are limited to 128 KB; larger deliveries (big GitHub payloads) are stored by the receiver
 * itself. The margin leaves room for the envelope fields and JSON escaping.
 */
export const MAX_QUEUED_PAYLOAD_BYTES = 96 * 1024;
