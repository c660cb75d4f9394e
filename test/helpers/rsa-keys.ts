import { toBase64 } from "../../worker/lib/encoding";

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
