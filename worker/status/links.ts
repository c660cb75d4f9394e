import { ringMaterials } from "../lib/callback-token";
import { fromBase64 } from "../lib/encoding";
import { constantTimeEqual, hmacHex } from "../lib/hash";

/**
 * The confirmation and unsubscribe links of an e-mail subscription: `<subscription id>.<hmac>`, signed with a key
 * derived from the master key, so every mail can carry its unsubscribe link without a stored secret, and a link is
 * good for one purpose of one subscription only. Links signed before a key rotation work while the old key is in the ring.
 */

export type LinkPurpose = "confirm" | "unsubscribe";

async function linkKey(material: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array([...fromBase64(material), ...new TextEncoder().encode("tutti-subscription-v1")])));
}

const payload = (tenantId: string, subscriptionId: string, purpose: LinkPurpose) => `${tenantId}.${subscriptionId}.${purpose}`;

export async function signSubscriptionLink(masterKeySpec: string, tenantId: string, subscriptionId: string, purpose: LinkPurpose): Promise<string> {
  const mac = await hmacHex("SHA-256", await linkKey(ringMaterials(masterKeySpec)[0]), payload(tenantId, subscriptionId, purpose));
  return `${subscriptionId}.${mac}`;
}

/** The subscription id a link names; the caller checks the signature against that subscription's tenant. */
export function subscriptionIdOf(token: string): string | null {
  const [id, mac, ...rest] = token.split(".");
  return id && mac && !rest.length ? id : null;
}

export async function verifySubscriptionLink(masterKeySpec: string, tenantId: string, token: string, purpose: LinkPurpose): Promise<boolean> {
  const [id, mac] = token.split(".");
  for (const material of ringMaterials(masterKeySpec)) {
    if (constantTimeEqual(mac ?? "", await hmacHex("SHA-256", await linkKey(material), payload(tenantId, id, purpose)))) return true;
  }
  return false;
}

export const confirmUrl = (origin: string, token: string) => `${origin}/status/confirm/${token}`;
export const unsubscribeUrl = (origin: string, token: string) => `${origin}/status/unsubscribe/${token}`;
export const statusPageUrl = (origin: string, token: string) => `${origin}/status/${token}`;
