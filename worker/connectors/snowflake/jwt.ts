import { toBase64 } from "../../lib/encoding";
import { sha256Hex } from "../../lib/hash";
import { importRsaPrivateKey, signRs256Jwt } from "../rs256";

/** Snowflake accepts key-pair JWTs for at most an hour; sign for that long and reuse until near the end. */
const LIFETIME_S = 3600;
const RENEW_EARLY_S = 300;

/**
 * The account part of `iss`/`sub`: uppercase, without region or cloud (`xy12345.us-east-1` → `XY12345`);
 * an organization account name keeps its hyphen (`MYORG-MYACCOUNT`).
 */
export function jwtAccount(account: string): string {
  return account.split(".")[0].toUpperCase();
}

/** `SHA256:<base64 of SHA-256 over the public key's DER>`, the RSA_PUBLIC_KEY_FP that DESCRIBE USER shows. */
export async function publicKeyFingerprint(privateKey: CryptoKey): Promise<string> {
  const jwk = (await crypto.subtle.exportKey("jwk", privateKey)) as JsonWebKey;
  const publicKey = await crypto.subtle.importKey(
    "jwk",
    { kty: "RSA", n: jwk.n, e: jwk.e, alg: "RS256", ext: true },
    { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    true,
    ["verify"],
  );
  const spki = new Uint8Array((await crypto.subtle.exportKey("spki", publicKey)) as ArrayBuffer);
  return `SHA256:${toBase64(new Uint8Array(await crypto.subtle.digest("SHA-256", spki)))}`;
}

const WHAT = "the Snowflake private_key";

/** Signs a key-pair JWT (RS256): iss = ACCOUNT.USER.SHA256:fp, sub = ACCOUNT.USER, exp ≤ iat + 1 h (CONTRACTS §6). */
export async function keyPairJwt(account: string, user: string, privateKeyPem: string, nowS: number): Promise<{ token: string; expiresAt: number }> {
  // Extractable so the public half (for the fingerprint) can be derived; the key never leaves this isolate.
  const key = await importRsaPrivateKey(privateKeyPem, WHAT, true);
  const subject = `${jwtAccount(account)}.${user.toUpperCase()}`;
  const claims = { iss: `${subject}.${await publicKeyFingerprint(key)}`, sub: subject, iat: nowS, exp: nowS + LIFETIME_S };
  return { token: await signRs256Jwt(key, claims), expiresAt: nowS + LIFETIME_S };
}

const jwtCache = new Map<string, { token: string; expiresAt: number }>();

/** A cached key-pair JWT per (account, user, key), renewed five minutes before it expires. */
export async function cachedKeyPairJwt(account: string, user: string, privateKeyPem: string): Promise<string> {
  const key = `${account}|${user}|${await sha256Hex(privateKeyPem)}`;
  const nowS = Math.floor(Date.now() / 1000);
  const hit = jwtCache.get(key);
  if (hit && hit.expiresAt - RENEW_EARLY_S > nowS) return hit.token;
  const fresh = await keyPairJwt(account, user, privateKeyPem, nowS);
  jwtCache.set(key, fresh);
  return fresh.token;
}
