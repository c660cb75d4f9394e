import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../context";
import { findLiveShare } from "../../db/repo/products/shares";
import { notFound } from "../../lib/errors";
import { publicIdContext } from "../../lib/public-ids";
import { sha256Hex } from "../../lib/hash";
import { clientIp } from "../../lib/request";
import { enforceRateLimit } from "../../middleware/rate-limit";

const MINUTE = 60_000;

/**
 * Every answer of the public status routes, errors included: never stored by a browser or a proxy (the URL is a
 * credential, and a revoked link must stop showing at once), never indexed.
 */
export const privateAnswers = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  c.header("Cache-Control", "no-store");
  c.header("X-Robots-Tag", "noindex, nofollow");
});

/** Per client address and minute, like the other public routes' limits (RATE_LIMIT_STATUS_PER_MIN, default 120). */
export async function limitStatusRequests(c: Context<AppEnv>) {
  await enforceRateLimit(c, `status:${clientIp(c) ?? "unknown"}`, Number(c.env.RATE_LIMIT_STATUS_PER_MIN ?? 120), MINUTE);
}

/** The live share behind a token, as its tenant's context; 404 alike for unknown and revoked tokens. */
export async function liveShare(c: Context<AppEnv>, token: string) {
  await limitStatusRequests(c);
  const tokenHash = await sha256Hex(token);
  const ctx = await publicIdContext(c, "status_share", tokenHash);
  const share = ctx ? await findLiveShare(ctx, tokenHash) : null;
  if (!ctx || !share) throw notFound("status page");
  return { share, ctx };
}

/** Who acts in the audit log when a subscriber confirms or leaves: no account, only the link from their mail. */
export const SUBSCRIBER_ACTOR = { type: "system", id: "status_page", label: "status-page subscriber" } as const;
