import { toBase64 } from "../../worker/lib/encoding";
import { fakeUrl } from "./tool-fakes";

/** A fresh RSA key pair: the private half as PKCS#8 PEM for a connection, the public half (SPKI PEM) for a fake. */
export async function keyPair() {
  const pair = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const pem = (label: string, der: ArrayBuffer) =>
    `-----BEGIN ${label}-----\n${toBase64(new Uint8Array(der)).replace(/(.{64})/g, "$1\n")}\n-----END ${label}-----\n`;
  return {
    privatePem: pem("PRIVATE KEY", (await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer),
    publicPem: pem("PUBLIC KEY", (await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer),
  };
}

/**
 * A Google service account known to the BigQuery fake: its key file as Google Cloud downloads it (the connection's
 * `service_account_key`), with its public key registered at the fake's token endpoint.
 */
export async function serviceAccount(project: string) {
  const keys = await keyPair();
  const email = `tutti-${crypto.randomUUID().slice(0, 8)}@${project}.iam.gserviceaccount.com`;
  const keyId = crypto.randomUUID().replaceAll("-", "");
  const res = await fetch(`${fakeUrl("bigquery")}/__fake/keys/${encodeURIComponent(email)}`, {
    method: "PUT",
    body: JSON.stringify({ public_key: keys.publicPem, private_key_id: keyId }),
  });
  if (res.status !== 204) throw new Error(`registering the service account: ${res.status}`);
  const keyFile = JSON.stringify({
    type: "service_account",
    project_id: project,
    private_key_id: keyId,
    private_key: keys.privatePem,
    client_email: email,
    client_id: "100000000000000000001",
    auth_uri: "https://accounts.google.com/o/oauth2/auth",
    token_uri: "https://oauth2.googleapis.com/token",
  });
  return { email, keyFile, privatePem: keys.privatePem };
}

/** The BigQuery connection config that points at the fake (api and token endpoint on one fake origin). */
export const bigQueryConfig = (project: string, extra: Record<string, unknown> = {}) => ({
  project_id: project,
  location: "US",
  api_url: fakeUrl("bigquery"),
  token_url: `${fakeUrl("bigquery")}/token`,
  ...extra,
});
