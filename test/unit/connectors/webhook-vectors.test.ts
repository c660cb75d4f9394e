import { describe, expect, it } from "vitest";
import { verify as verifyStandardWebhook } from "../../../worker/alerting/standard-webhooks";
import { dbtCloudWebhook } from "../../../worker/connectors/dbt-cloud/webhook";
import { fivetranWebhook } from "../../../worker/connectors/fivetran/webhook";
import { gitHubWebhook } from "../../../worker/connectors/github-actions/webhook";
import type { WebhookRequest } from "../../../worker/connectors/types";
import { verifyStandardWebhook as fakeReceiverVerify } from "../../fakes/standard-webhooks/verify";

/**
 * Every signature scheme we verify, checked against values someone else published, not only against our own signer
 * (a round trip through our signer would pass with the hex case, the prefix or the key decoding all wrong).
 */
const request = (body: string, headers: Record<string, string>): WebhookRequest => ({
  headers: new Headers(headers),
  url: new URL("https://tutti.test/webhooks/x/conn_1"),
  body: new TextEncoder().encode(body),
});

// GitHub's docs example: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
const GITHUB = {
  secret: "It's a Secret to Everybody",
  payload: "Hello, World!",
  signature: "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
};

// RFC 4231 §4.3, HMAC-SHA-256 test case 2: https://datatracker.ietf.org/doc/html/rfc4231#section-4.3
const RFC4231 = { key: "Jefe", data: "what do ya want for nothing?", hmacSha256: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" };

// The Standard Webhooks reference libraries' signing example ("sign function works"):
// https://github.com/standard-webhooks/standard-webhooks/blob/main/libraries/javascript/src/webhook.test.ts
const STANDARD = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

describe("webhook signatures against published known-answer vectors", () => {
  it("GitHub X-Hub-Signature-256 verifies GitHub's own documented example, and nothing near it", async () => {
    expect(await gitHubWebhook.verify(request(GITHUB.payload, { "x-hub-signature-256": GITHUB.signature }), GITHUB.secret)).toBe(true);
    expect(
      await gitHubWebhook.verify(
        request(GITHUB.payload, { "x-hub-signature-256": GITHUB.signature.toUpperCase().replace("SHA256=", "sha256=") }),
        GITHUB.secret,
      ),
    ).toBe(false);
    expect(await gitHubWebhook.verify(request(GITHUB.payload, { "x-hub-signature-256": GITHUB.signature.slice("sha256=".length) }), GITHUB.secret)).toBe(false);
    expect(await gitHubWebhook.verify(request("Hello, World!\n", { "x-hub-signature-256": GITHUB.signature }), GITHUB.secret)).toBe(false);
  });

  it("dbt Cloud's Authorization (lowercase hex HMAC-SHA256 of the raw body) verifies the RFC 4231 and GitHub digests", async () => {
    // https://docs.getdbt.com/docs/deploy/webhooks#validate-a-webhook: hex digest of HMAC-SHA256(secret, body), no prefix.
    expect(await dbtCloudWebhook.verify(request(RFC4231.data, { authorization: RFC4231.hmacSha256 }), RFC4231.key)).toBe(true);
    expect(await dbtCloudWebhook.verify(request(GITHUB.payload, { authorization: GITHUB.signature.slice("sha256=".length) }), GITHUB.secret)).toBe(true);
    expect(await dbtCloudWebhook.verify(request(RFC4231.data, { authorization: RFC4231.hmacSha256.toUpperCase() }), RFC4231.key)).toBe(false);
    expect(await dbtCloudWebhook.verify(request(RFC4231.data, { authorization: `sha256=${RFC4231.hmacSha256}` }), RFC4231.key)).toBe(false);
  });

  it("Fivetran's X-Fivetran-Signature-256 (UPPERCASE hex HMAC-SHA256) verifies the RFC 4231 digest", async () => {
    // CONTRACTS §4: UPPERCASE hex, no prefix, no timestamp; RFC 4231 supplies the digest.
    expect(await fivetranWebhook.verify(request(RFC4231.data, { "x-fivetran-signature-256": RFC4231.hmacSha256.toUpperCase() }), RFC4231.key)).toBe(true);
    expect(await fivetranWebhook.verify(request(RFC4231.data, { "x-fivetran-signature-256": RFC4231.hmacSha256 }), RFC4231.key)).toBe(false);
  });

  it("Standard Webhooks: our verifier and the receiver fake's both accept the reference example at its own time", async () => {
    const headers = { id: STANDARD.id, timestamp: String(STANDARD.timestamp), signature: STANDARD.signature };
    expect(await verifyStandardWebhook(STANDARD.secret, headers, STANDARD.body, STANDARD.timestamp)).toEqual({ ok: true });
    expect(
      await verifyStandardWebhook(
        STANDARD.secret,
        { ...headers, signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OF=" },
        STANDARD.body,
        STANDARD.timestamp,
      ),
    ).toEqual({ ok: false, reason: "bad_signature" });
    const raw = { "webhook-id": STANDARD.id, "webhook-timestamp": String(STANDARD.timestamp), "webhook-signature": STANDARD.signature };
    expect(fakeReceiverVerify(STANDARD.secret, raw, STANDARD.body, STANDARD.timestamp)).toEqual({ ok: true });
    expect(fakeReceiverVerify(STANDARD.secret, raw, '{"test":2432232314}', STANDARD.timestamp)).toMatchObject({ ok: false });
  });
});
