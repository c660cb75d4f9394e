import { describe, expect, it } from "vitest";
import { InvalidSigningSecret, sign, signedHeaders, signingKey, verify } from "../../../worker/alerting/standard-webhooks";

// The example of the Standard Webhooks specification and its reference libraries.
const SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const SPEC_TS = 1614265330;
const SPEC_BODY = '{"test": 2432232314}';
const SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

describe("Standard Webhooks signatures", () => {
  it("matches the specification's example signature", async () => {
    expect(await sign(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_BODY)).toBe(SPEC_SIGNATURE);
  });

  it("signs the id, the timestamp and the exact body: changing any of them changes the signature", async () => {
    const variants = await Promise.all([
      sign(SPEC_SECRET, `${SPEC_ID}x`, SPEC_TS, SPEC_BODY),
      sign(SPEC_SECRET, SPEC_ID, SPEC_TS + 1, SPEC_BODY),
      sign(SPEC_SECRET, SPEC_ID, SPEC_TS, '{"test":2432232314}'),
    ]);
    for (const v of variants) expect(v).not.toBe(SPEC_SIGNATURE);
  });

  it("sends the three headers, the id unchanged", async () => {
    expect(await signedHeaders(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_BODY)).toEqual({
      "webhook-id": SPEC_ID,
      "webhook-timestamp": String(SPEC_TS),
      "webhook-signature": SPEC_SIGNATURE,
    });
  });

  it("verifies within the tolerance window and accepts any of several signatures (secret rotation)", async () => {
    const headers = { id: SPEC_ID, timestamp: String(SPEC_TS), signature: `v1,bm90LXRoaXMtb25l ${SPEC_SIGNATURE}` };
    expect(await verify(SPEC_SECRET, headers, SPEC_BODY, SPEC_TS + 60)).toEqual({ ok: true });
    expect(await verify(SPEC_SECRET, headers, SPEC_BODY, SPEC_TS + 301)).toEqual({ ok: false, reason: "stale" });
    expect(await verify(SPEC_SECRET, { ...headers, signature: "v1,bm90LXRoaXMtb25l" }, SPEC_BODY, SPEC_TS)).toEqual({ ok: false, reason: "bad_signature" });
    expect(await verify(SPEC_SECRET, { ...headers, signature: null }, SPEC_BODY, SPEC_TS)).toEqual({ ok: false, reason: "missing_headers" });
    expect(await verify(SPEC_SECRET, { ...headers, timestamp: "soon" }, SPEC_BODY, SPEC_TS)).toEqual({ ok: false, reason: "bad_timestamp" });
  });

  it("accepts secrets with or without the whsec_ prefix and refuses short or non-base64 ones", () => {
    expect(signingKey(SPEC_SECRET)).toEqual(signingKey(SPEC_SECRET.slice(6)));
    expect(() => signingKey("whsec_c2hvcnQ=")).toThrow(InvalidSigningSecret);
    expect(() => signingKey("whsec_not base64 at all!")).toThrow(InvalidSigningSecret);
  });
});
