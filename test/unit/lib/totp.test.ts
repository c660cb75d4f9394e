import { describe, expect, it } from "vitest";
import { fromBase32, hotp, isFreshStep, matchTotp, otpauthUri, toBase32, totpAt, totpStep } from "../../../worker/lib/totp";

const rfcKey = new TextEncoder().encode("12345678901234567890");

describe("TOTP (RFC 6238)", () => {
  // RFC 6238 Appendix B, the SHA-1 column (8 digits, T0 = 0, X = 30).
  it.each([
    [59, "94287082"],
    [1111111109, "07081804"],
    [1111111111, "14050471"],
    [1234567890, "89005924"],
    [2000000000, "69279037"],
    [20000000000, "65353130"],
  ])("at %i s the SHA-1 code is %s", async (seconds, code) => {
    expect(await totpAt(rfcKey, seconds * 1000, 8)).toBe(code);
  });

  // RFC 4226 Appendix D: HOTP values for counters 0–3 of the same key (6 digits).
  it("HOTP matches RFC 4226's published values", async () => {
    expect(await Promise.all([0, 1, 2, 3].map((c) => hotp(rfcKey, c)))).toEqual(["755224", "287082", "359152", "969429"]);
  });

  it("accepts the code of the step before, now and after, and nothing further", async () => {
    const now = 1_700_000_000_000;
    const step = totpStep(now);
    for (const delta of [-1, 0, 1]) expect(await matchTotp(rfcKey, await hotp(rfcKey, step + delta), now)).toBe(step + delta);
    for (const delta of [-2, 2]) expect(await matchTotp(rfcKey, await hotp(rfcKey, step + delta), now)).toBeNull();
    expect(await matchTotp(rfcKey, "000000x", now)).toBeNull();
  });

  it("a step is fresh only after the last one used: a replay and an earlier code in the window are refused", () => {
    expect(isFreshStep(100, null)).toBe(true);
    expect(isFreshStep(101, 100)).toBe(true);
    expect(isFreshStep(100, 100)).toBe(false);
    expect(isFreshStep(99, 100)).toBe(false);
  });

  it("base32 round-trips and matches RFC 4648's vectors", () => {
    expect(toBase32(new TextEncoder().encode("foobar"))).toBe("MZXW6YTBOI");
    expect(new TextDecoder().decode(fromBase32("mzxw 6ytb oi=="))).toBe("foobar");
    const bytes = crypto.getRandomValues(new Uint8Array(20));
    expect(fromBase32(toBase32(bytes))).toEqual(bytes);
    expect(() => fromBase32("not-base32!")).toThrow();
  });

  it("the otpauth URI carries issuer, account, secret and the parameters apps need", () => {
    const text = otpauthUri(rfcKey, "ada@example.com");
    expect(text.startsWith("otpauth://totp/Tutti:ada%40example.com?")).toBe(true);
    const uri = new URL(text);
    expect(Object.fromEntries(uri.searchParams)).toEqual({ secret: toBase32(rfcKey), issuer: "Tutti", algorithm: "SHA1", digits: "6", period: "30" });
  });
});
