import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { clientIp } from "../../lib/request";
import { enforceRateLimit } from "../../middleware/rate-limit";

const HOUR = 3_600_000;

/**
 * Requests that mail an address (sign-up, password reset, a status-page subscription) are limited per client address and per recipient, alike
 * for addresses with and without an account, so neither the limit nor its 429 tells them apart and nobody can
 * flood an inbox.
 */
export async function limitMailRequests(c: Context<AppEnv>, kind: "signup" | "reset" | "subscribe", email: string) {
  await enforceRateLimit(c, `${kind}:${clientIp(c) ?? "unknown"}`, Number(c.env.RATE_LIMIT_SIGNUP_PER_HOUR ?? 20), HOUR);
  await enforceRateLimit(c, `mail:${email}`, Number(c.env.MAIL_PER_ADDRESS_PER_HOUR ?? 5), HOUR);
}
