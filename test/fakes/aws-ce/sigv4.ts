import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { RecordedRequest } from "../http-server";

/**
 * AWS Signature Version 4 as the service side checks it (docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html):
 * the canonical request is rebuilt from what arrived (method, path, query, the headers named in SignedHeaders, the
 * body's SHA-256), signed again with the secret of the access key named in the Credential, and compared. Written from
 * the specification with node:crypto, independently of aws4fetch, so a signing bug in Tutti fails here.
 */

export interface SigV4Failure {
  type: "MissingAuthenticationTokenException" | "IncompleteSignatureException" | "InvalidSignatureException" | "UnrecognizedClientException";
  message: string;
}

export interface SigningKey {
  secretAccessKey: string;
  sessionToken?: string;
}

/** Requests signed more than this far from the server's clock are refused (AWS: 15 minutes). */
const MAX_SKEW_MS = 15 * 60_000;

const sha256Hex = (data: string) => createHash("sha256").update(data, "utf8").digest("hex");
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data, "utf8").digest();
const header = (req: RecordedRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(",") : v;
};
const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function canonicalQuery(url: URL): string {
  return [...url.searchParams]
    .map(([k, v]) => [rfc3986(k), rfc3986(v)])
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
}

const amzDateMs = (d: string) =>
  /^\d{8}T\d{6}Z$/.test(d)
    ? Date.parse(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(9, 11)}:${d.slice(11, 13)}:${d.slice(13, 15)}Z`)
    : Number.NaN;

/**
 * Null when the request is signed for `service`/`region` by a key in `keys`, with host, x-amz-date, content-type and
 * every x-amz-* header signed; otherwise the error AWS would answer.
 */
export function verifySigV4(
  req: RecordedRequest,
  url: URL,
  opts: { service: string; region: string; keys: Map<string, SigningKey>; now: number },
): SigV4Failure | null {
  const auth = header(req, "authorization");
  if (!auth) return { type: "MissingAuthenticationTokenException", message: "Missing Authentication Token" };
  const m = /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m)
    return {
      type: "IncompleteSignatureException",
      message: `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters. Authorization=${auth.split(" ")[0]}`,
    };
  const [, credential, signedHeaderList, signature] = m;
  const [accessKeyId, date, region, service, terminator, ...extra] = credential.split("/");
  const key = opts.keys.get(accessKeyId);
  if (!key) return { type: "UnrecognizedClientException", message: "The security token included in the request is invalid." };
  const amzDate = header(req, "x-amz-date") ?? "";
  const signedAt = amzDateMs(amzDate);
  if (Number.isNaN(signedAt)) return { type: "IncompleteSignatureException", message: `Date must be in ISO-8601 'basic format'. Got '${amzDate}'.` };
  if (Math.abs(opts.now - signedAt) > MAX_SKEW_MS)
    return { type: "InvalidSignatureException", message: `Signature expired: ${amzDate} is now earlier or later than the allowed 15 minutes.` };
  if (extra.length || terminator !== "aws4_request" || date !== amzDate.slice(0, 8))
    return {
      type: "IncompleteSignatureException",
      message: `Credential should be scoped to a valid date, region and service: ${credential.slice(accessKeyId.length)}`,
    };
  if (region !== opts.region) return { type: "InvalidSignatureException", message: `Credential should be scoped to a valid region, not '${region}'.` };
  if (service !== opts.service) return { type: "InvalidSignatureException", message: `Credential should be scoped to correct service: '${opts.service}'.` };
  const signed = signedHeaderList.split(";");
  const sorted = [...signed].sort();
  if (signed.join(";") !== sorted.join(";")) return { type: "InvalidSignatureException", message: "SignedHeaders must be sorted." };
  const mustSign = ["host", "x-amz-date", "content-type", ...Object.keys(req.headers).filter((h) => h.startsWith("x-amz-"))];
  const unsigned = mustSign.filter((h) => !signed.includes(h));
  if (unsigned.length) return { type: "InvalidSignatureException", message: `The following headers are not signed: ${unsigned.join(", ")}` };
  const token = header(req, "x-amz-security-token");
  if ((key.sessionToken ?? null) !== (token ?? null))
    return { type: "UnrecognizedClientException", message: "The security token included in the request is invalid." };
  const canonicalRequest = [
    req.method.toUpperCase(),
    url.pathname.split("/").map(rfc3986).join("/") || "/",
    canonicalQuery(url),
    `${signed.map((h) => `${h}:${(header(req, h) ?? "").trim().replace(/\s+/g, " ")}`).join("\n")}\n`,
    signedHeaderList,
    sha256Hex(req.body),
  ].join("\n");
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${key.secretAccessKey}`, date), region), service), "aws4_request");
  const expected = createHmac("sha256", signingKey).update(stringToSign, "utf8").digest();
  if (!timingSafeEqual(expected, Buffer.from(signature, "hex")))
    return {
      type: "InvalidSignatureException",
      message:
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    };
  return null;
}
