import { fromBase64, toBase64, utf8 } from "../lib/encoding";
import { ConnectorError } from "./http-errors";

/**
 * RS256 JSON Web Tokens signed with a connection's RSA private key (PKCS#8 PEM), with WebCrypto: Snowflake key-pair
 * auth and Google service accounts. `what` names the key in errors ("the Snowflake private_key"); the key's text
 * never appears in them.
 */

export const base64url = (bytes: Uint8Array) => toBase64(bytes).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

/** PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----") → DER bytes. Encrypted and PKCS#1 keys are refused with a clear message. */
export function pemToDer(pem: string, what: string): Uint8Array {
  if (/BEGIN ENCRYPTED PRIVATE KEY/.test(pem))
    throw new ConnectorError({ kind: "invalid_config", message: `${what} is encrypted; store the unencrypted PKCS#8 key` });
  if (/BEGIN RSA PRIVATE KEY/.test(pem))
    throw new ConnectorError({ kind: "invalid_config", message: `${what} is PKCS#1; convert it with \`openssl pkcs8 -topk8 -nocrypt\`` });
  const body = pem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, "").replace(/\s+/g, "");
  try {
    return fromBase64(body);
  } catch {
    throw new ConnectorError({ kind: "invalid_config", message: `${what} is not a PEM-encoded PKCS#8 key` });
  }
}

/** Imports an RSA PKCS#8 key for RS256 signing; `extractable` only where the public half must be derived. */
export async function importRsaPrivateKey(pem: string, what: string, extractable = false): Promise<CryptoKey> {
  try {
    return await crypto.subtle.importKey("pkcs8", pemToDer(pem, what), { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, extractable, ["sign"]);
  } catch (err) {
    if (err instanceof ConnectorError) throw err;
    throw new ConnectorError({ kind: "invalid_config", message: `${what} could not be read as an RSA PKCS#8 key` });
  }
}

/** `<header>.<claims>.<signature>`, header `{"alg":"RS256","typ":"JWT", ...extraHeader}`. */
export async function signRs256Jwt(key: CryptoKey, claims: Record<string, unknown>, extraHeader: Record<string, string> = {}): Promise<string> {
  const header = base64url(utf8(JSON.stringify({ alg: "RS256", typ: "JWT", ...extraHeader })));
  const payload = base64url(utf8(JSON.stringify(claims)));
  const signature = new Uint8Array(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, utf8(`${header}.${payload}`)));
  return `${header}.${payload}.${base64url(signature)}`;
}
