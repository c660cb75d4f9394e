import { describe, expect, it } from "vitest";
import { signCallback, verifyCallback } from "../../worker/lib/callback-token";
import { loadKeyRing, open, rewrap, seal } from "../../worker/lib/envelope";

const OLD = "1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const NEW = "2:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";
const aad = "tutti/connection/ten_1/conn_1/api_key";

describe("master-key rotation", () => {
  it("rewrap moves a secret under the newest key without changing it, and the old key can then leave the ring", async () => {
    const sealed = await seal(await loadKeyRing(OLD), "s3cr3t-value", aad);
    expect(sealed.v).toBe(1);
    const rotated = await rewrap(await loadKeyRing(`${NEW},${OLD}`), sealed, aad);
    expect(rotated.v).toBe(2);
    expect(rotated.ct).toBe(sealed.ct);
    expect(rotated.wk).not.toBe(sealed.wk);
    expect(await open(await loadKeyRing(NEW), rotated, aad)).toBe("s3cr3t-value");
    await expect(open(await loadKeyRing(NEW), sealed, aad)).rejects.toThrow("master key version 1 is not in the key ring");
  });

  it("rewrap leaves an envelope already under the newest key as it is, and refuses another row's envelope", async () => {
    const ring = await loadKeyRing(`${NEW},${OLD}`);
    const current = await seal(ring, "value", aad);
    expect(await rewrap(ring, current, aad)).toBe(current);
    const old = await seal(await loadKeyRing(OLD), "value", aad);
    await expect(rewrap(ring, old, "tutti/connection/ten_2/conn_9/api_key")).rejects.toThrow();
  });

  it("a callback URL signed before a rotation is accepted while the old key is in the ring, and not after it left", async () => {
    const target = { tenantId: "ten_1", runId: "run_1", taskKey: "extract", attempt: 2 };
    const token = await signCallback(OLD, target);
    expect(await verifyCallback(`${NEW},${OLD}`, token)).toEqual(target);
    expect(await verifyCallback(NEW, token)).toBeNull();
    expect(await verifyCallback(`${NEW},${OLD}`, await signCallback(`${NEW},${OLD}`, target))).toEqual(target);
    expect(await verifyCallback(OLD, await signCallback(`${NEW},${OLD}`, target))).toBeNull();
  });
});
