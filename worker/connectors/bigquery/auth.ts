import { sha256Hex } from "../../lib/hash";
import { originOf } from "../../lib/urls";
import { ConnectorError } from "../http-errors";
import { importRsaPrivateKey, signRs256Jwt } from "../rs256";
import { field, num, str, toolRequest } from "../tool-http";
import type { BigQueryConfig } from "./schema";

/**
 * Google service-account auth ("OAuth 2.0 for Server to Server Applications", CONTRACTS-2 §2): a JWT signed with the
 * key's RSA private key (RS256, WebCrypto) is exchanged at the token endpoint (grant type jwt-bearer) for an access
 * token, which is cached until a minute before it expires. The key goes nowhere; the assertion goes only to the
 * configured token endpoint and the access token only to the configured API origin (both Google's outside local
 * development, lib/destinations.ts).
 */

export const SCOPE = "https://www.googleapis.com/auth/bigquery";
const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/** Google accepts assertions for at most an hour. */
const ASSERTION_LIFETIME_S = 3600;
const RENEW_EARLY_S = 60;
const WHAT = "the service account key's private_key";

export interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  private_key_id: string | null;
}

/** The key JSON Google Cloud downloads for a service account, or why it is not one (never quoting it). */
export function parseServiceAccountKey(text: string): ServiceAccountKey | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { problem: "must be the service account's JSON key file as Google Cloud downloads it" };
  }
  const type = str(field(json, "type"));
  if (type !== null && type !== "service_account") return { problem: `is a "${type.slice(0, 40)}" credential; a service_account key is needed` };
  const email = str(field(json, "client_email"));
  const pem = str(field(json, "private_key"));
  if (!email || !/^[^@\s]+@[^@\s]+$/.test(email)) return { problem: "has no client_email" };
  if (!pem || !/-----BEGIN PRIVATE KEY-----/.test(pem)) return { problem: "has no PKCS#8 private_key (-----BEGIN PRIVATE KEY-----)" };
  return { client_email: email, private_key: pem, private_key_id: str(field(json, "private_key_id")) };
}

function keyOf(secrets: Record<string, string>): ServiceAccountKey {
  const text = secrets.service_account_key;
  if (!text) throw new ConnectorError({ kind: "invalid_config", message: "the BigQuery connection has no service_account_key" });
  const key = parseServiceAccountKey(text);
  if ("problem" in key) throw new ConnectorError({ kind: "invalid_config", message: `the service_account_key ${key.problem}` });
  return key;
}

/** The signed assertion: iss = the service account, aud = the token endpoint it is posted to, exp = iat + 1 h. */
export async function serviceAccountAssertion(key: ServiceAccountKey, tokenUrl: string, nowS: number): Promise<string> {
  const signer = await importRsaPrivateKey(key.private_key, WHAT);
  const claims = { iss: key.client_email, scope: SCOPE, aud: tokenUrl, iat: nowS, exp: nowS + ASSERTION_LIFETIME_S };
  return signRs256Jwt(signer, claims, key.private_key_id ? { kid: key.private_key_id } : {});
}

interface Ctx {
  config: BigQueryConfig;
  secrets: Record<string, string>;
  fetch: typeof fetch;
}

const tokens = new Map<string, { token: string; expiresAt: number }>();

async function exchange(ctx: Ctx, key: ServiceAccountKey, nowS: number): Promise<{ token: string; expiresAt: number }> {
  const assertion = await serviceAccountAssertion(key, ctx.config.token_url, nowS);
  const r = await toolRequest(ctx.fetch, "Google OAuth", {
    method: "POST",
    origin: originOf(ctx.config.token_url)!,
    url: ctx.config.token_url,
    form: { grant_type: JWT_BEARER, assertion },
  });
  const token = str(field(r.json, "access_token"));
  if (!r.ok || !token) {
    const error = [str(field(r.json, "error")), str(field(r.json, "error_description"))].filter(Boolean).join(": ");
    // 400 invalid_grant (a deleted key, a wrong clock, a disabled account) and 401 both mean the key does not work.
    const kind = r.status === 429 ? "rate_limited" : r.status >= 500 ? "tool_failure" : "auth";
    throw new ConnectorError({ kind, message: `Google refused the service account key (HTTP ${r.status})${error ? `: ${error.slice(0, 300)}` : ""}` });
  }
  const expiresIn = num(field(r.json, "expires_in")) ?? 3599;
  return { token, expiresAt: nowS + expiresIn };
}

/** A cached access token per (token endpoint, service account, key), renewed a minute before it expires. */
export async function accessToken(ctx: Ctx): Promise<string> {
  const key = keyOf(ctx.secrets);
  const cacheKey = `${ctx.config.token_url}|${key.client_email}|${await sha256Hex(key.private_key)}`;
  const nowS = Math.floor(Date.now() / 1000);
  const hit = tokens.get(cacheKey);
  if (hit && hit.expiresAt - RENEW_EARLY_S > nowS) return hit.token;
  const fresh = await exchange(ctx, key, nowS);
  tokens.set(cacheKey, fresh);
  return fresh.token;
}

/** Forgets a token Google no longer accepts (a 401 from the API), so the next call signs in again. */
export async function forgetToken(ctx: Ctx): Promise<void> {
  const key = keyOf(ctx.secrets);
  tokens.delete(`${ctx.config.token_url}|${key.client_email}|${await sha256Hex(key.private_key)}`);
}
