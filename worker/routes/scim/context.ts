import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { tenantCtx } from "../../db/client";
import type { AuditSource } from "../../db/repo/platform/audit";
import { getSsoConfig, tenantOfScimToken } from "../../db/repo/sso/config";
import { tenantDb } from "../../db/shards";
import { sha256Hex } from "../../lib/hash";
import { appOrigin, clientIp } from "../../lib/request";
import { ScimError } from "../../scim/errors";
import { etagOf } from "../../scim/resources";

const SCIM_JSON = "application/scim+json";

/**
 * The tenant of the request's SCIM token (`Authorization: Bearer scim_…`), and what every SCIM handler needs with it.
 * A missing or unknown token is 401; nothing of any tenant is visible without its own token.
 */
export async function scimContext(c: Context<AppEnv>) {
  const match = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "");
  const control = c.get("controlDb");
  const tenantId = match ? await tenantOfScimToken(control, await sha256Hex(match[1])) : null;
  if (!tenantId) throw new ScimError(401, "a valid SCIM bearer token is required");
  // The token found the tenant: from here `db` is its shard, as the auth middleware sets it for API tokens.
  const shard = await tenantDb(c.env, tenantId);
  c.set("db", shard);
  const ctx = tenantCtx(shard, tenantId, control);
  const config = await getSsoConfig(ctx);
  const source: AuditSource = {
    principal: { actor: { type: "system", id: "scim", label: "SCIM provisioning" } },
    ip: clientIp(c),
    requestId: c.get("requestId"),
    now: c.get("clock").now(),
  };
  return { ctx, source, defaultRole: config?.defaultRole ?? "member", base: `${appOrigin(c)}/scim/v2` };
}

/** The request body as JSON; SCIM clients send application/scim+json, some application/json. */
export async function scimBody(c: Context<AppEnv>): Promise<unknown> {
  const type = (c.req.header("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type !== SCIM_JSON && type !== "application/json") throw new ScimError(415, "Content-Type must be application/scim+json or application/json");
  try {
    return await c.req.json();
  } catch {
    throw new ScimError(400, "the body is not JSON", "invalidSyntax");
  }
}

export function scimJson(c: Context<AppEnv>, status: 200 | 201, body: unknown, version?: number) {
  const headers: Record<string, string> = { "content-type": SCIM_JSON };
  if (version !== undefined) headers.etag = etagOf(version);
  return c.body(JSON.stringify(body), status, headers);
}

/** `If-Match` on a write (RFC 7644 §3.14): a version other than the current one is 412, nothing written. */
export function checkIfMatch(c: Context<AppEnv>, version: number) {
  const ifMatch = c.req.header("if-match");
  if (!ifMatch || ifMatch.trim() === "*") return;
  const wanted = ifMatch.split(",").map((t) => t.trim());
  if (!wanted.includes(etagOf(version)) && !wanted.includes(`"${version}"`))
    throw new ScimError(412, "the resource has changed since that version", "invalidVers");
}

/** `If-None-Match` on a read: the current version answers 304 without a body. */
export const notModified = (c: Context<AppEnv>, version: number) =>
  (c.req.header("if-none-match") ?? "")
    .split(",")
    .map((t) => t.trim())
    .includes(etagOf(version));
