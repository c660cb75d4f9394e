import { sha256Hex } from "../lib/hash";

/**
 * A delivery's id, derived from what it announces: the same (alert, transition, channel) always yields the same id,
 * so however often a signal or an escalation timer repeats, one transition creates one delivery per channel. The id
 * is also the Standard Webhooks `webhook-id` receivers deduplicate on.
 */
export async function deliveryId(tenantId: string, alertId: string, transition: string, channelId: string): Promise<string> {
  const hex = await sha256Hex(`${tenantId}\u0000${alertId}\u0000${transition}\u0000${channelId}`);
  return `dlv_${hex.slice(0, 24)}`;
}
