import { getCookie } from "hono/cookie";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context";
import { principalFromSession, principalFromToken, TENANT_DELETED } from "../db/repo/accounts/principals";
import { isMoving } from "../db/repo/platform/tenant-moves";
import { hasShards, rememberShard, SHARD_CACHE_MS, shardDb } from "../db/shards";
import { ApiError } from "../lib/errors";
import { constantTimeEqual, sha256Hex } from "../lib/hash";
import { CSRF_HEADER, SESSION_COOKIE } from "../lib/session-cookie";

/** Every credential of a tenant whose deletion has started: the workspace is locked, then gone. */
const workspaceDeleted = () => new ApiError("not_found", "this workspace has been deleted");

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

/** What a person sent to set up a second factor may still call: who am I, their factors, signing out everywhere. */
const mfaSetUpPath = (method: string, path: string) =>
  (method === "GET" && path === "/api/v1/me") || path === "/api/v1/me/mfa" || path.startsWith("/api/v1/me/mfa/") || path === "/api/v1/me/sign-out-everywhere";

/**
 * The request's tenant is known: `db` becomes its shard, resolved once with the credential. A write of a tenant being
 * moved between shards (worker/tenant-data/move.ts) is answered 503 with Retry-After, which clients and webhook senders
 * retry: the move takes minutes, and a queued write could not be answered with what it created. Only writes pay the
 * query, and only where there are shards.
 */
async function useTenant(c: Context<AppEnv>, tenantId: string, shard: string) {
  rememberShard(tenantId, shard);
  c.set("db", shardDb(c.env, shard));
  if (!safeMethods.has(c.req.method) && hasShards(c.env) && (await isMoving(c.get("controlDb"), tenantId)))
    throw new ApiError("unavailable", "this workspace is being moved to another database and is read-only for a few minutes; retry later", [], {
      "Retry-After": String(Math.ceil((2 * SHARD_CACHE_MS) / 1000)),
    });
}

/** Bearer token or session cookie → `principal`. Cookie-authenticated writes must echo the CSRF token. */
export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  const db = c.get("controlDb");
  const shardOf = (name: string) => shardDb(c.env, name);
  const now = c.get("clock").now();
  const authorization = c.req.header("authorization");
  if (authorization) {
    const match = /^Bearer\s+(tt_\S+)$/i.exec(authorization);
    if (!match) throw new ApiError("unauthorized", "Authorization must be `Bearer tt_…`");
    const resolved = await principalFromToken(db, shardOf, await sha256Hex(match[1]), now);
    if (resolved === TENANT_DELETED) throw workspaceDeleted();
    if (!resolved) throw new ApiError("unauthorized", "the API token is invalid, expired or revoked");
    await useTenant(c, resolved.principal.tenantId, resolved.shard);
    c.set("principal", resolved.principal);
    return next();
  }
  const sessionId = getCookie(c, SESSION_COOKIE);
  if (!sessionId) throw new ApiError("unauthorized", "sign in or send an API token");
  const resolved = await principalFromSession(db, shardOf, await sha256Hex(sessionId), now);
  if (resolved === TENANT_DELETED) throw workspaceDeleted();
  if (!resolved) throw new ApiError("unauthorized", "the session has expired; sign in again");
  if (!safeMethods.has(c.req.method)) {
    const sent = c.req.header(CSRF_HEADER) ?? "";
    if (!constantTimeEqual(sent, resolved.csrfToken)) {
      throw new ApiError("forbidden", `missing or wrong ${CSRF_HEADER} header for a cookie-authenticated write`);
    }
  }
  // A member of a workspace that requires a second factor, signed in with a password and without one, may only see who
  // they are and set one up (SSO sign-ins are exempt: the provider does MFA; API tokens never reach this branch).
  if (resolved.mfaMissing && !mfaSetUpPath(c.req.method, c.req.path)) {
    throw new ApiError(
      "mfa_required",
      "this workspace requires multi-factor authentication: set up an authenticator app or a passkey under Settings → Your account",
    );
  }
  await useTenant(c, resolved.principal.tenantId, resolved.shard);
  c.set("principal", resolved.principal);
  c.set("csrfToken", resolved.csrfToken);
  c.set("sessionAuthMethod", resolved.authMethod);
  c.set("mfaSetUpRequired", resolved.mfaMissing);
  return next();
});
