import { constantTimeEqual, hmacHex, sha256Hex } from "../lib/hash";
import { parseJson } from "./tool-http";

/**
 * Checks `provided` against HMAC-SHA256(secret, body) written as hex, in the exact form the tool sends:
 * `prefix` (GitHub's `sha256=`) and letter case (dbt Cloud lowercase, Fivetran UPPERCASE) must match.
 */
export async function verifyHmacSha256Hex(
  secret: string,
  body: Uint8Array,
  provided: string | null,
  format: { upper?: boolean; prefix?: string } = {},
): Promise<boolean> {
  if (!provided || !secret) return false;
  const hex = await hmacHex("SHA-256", secret, body);
  const expected = `${format.prefix ?? ""}${format.upper ? hex.toUpperCase() : hex}`;
  return constantTimeEqual(provided.trim(), expected);
}

/** Parses a webhook body that passed verification; null when it is not a JSON object. */
export function webhookJson(body: Uint8Array): Record<string, unknown> | null {
  const value = parseJson(new TextDecoder().decode(body));
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** Delivery id for payloads without one: the hash of the exact bytes, so a redelivery is still recognised. */
export async function bodyDeliveryId(body: Uint8Array): Promise<string> {
  return `sha256:${await sha256Hex(body)}`;
}

/** The outcome a finished-run webhook maps to: check the tool's status API now (webhooks are hints). */
export const confirmNow = { status: "running" as const, pollAfterMs: 0 };
/** The outcome of a started/progress webhook: the task is running; polling continues at its interval. */
export const stillRunning = { status: "running" as const };
