import assert from "node:assert";
import { describe, expect, it } from "vitest";
import { isLostProxyReply, retryOnLostProxyReply } from "../../scripts/lib/platform-proxy";

// The failure as miniflare raises it: its own assertion inside SynchronousFetcher.fetch when no reply is on the port.
class SynchronousFetcher {
  fetch(id: number) {
    const message = undefined as { id: number } | undefined;
    assert(message?.id === id);
  }
}
const lostReply = () => {
  try {
    new SynchronousFetcher().fetch(0);
  } catch (err) {
    return err;
  }
  throw new Error("the assertion did not fail");
};

describe("the operator commands' platform proxy", () => {
  it("recognises miniflare's lost synchronous reply and nothing else", () => {
    expect(isLostProxyReply(lostReply())).toBe(true);
    expect(isLostProxyReply(new Error("no such table: connections"))).toBe(false);
    const other = (() => {
      try {
        assert.equal(1, 2);
      } catch (err) {
        return err;
      }
    })();
    expect(isLostProxyReply(other)).toBe(false);
  });

  it("runs the work again on a lost reply, and only then", async () => {
    const warnings: string[] = [];
    let calls = 0;
    const value = await retryOnLostProxyReply(
      async () => {
        calls++;
        if (calls === 1) throw lostReply();
        return "done";
      },
      (m) => warnings.push(m),
    );
    expect(value).toBe("done");
    expect(calls).toBe(2);
    expect(warnings).toEqual([expect.stringContaining("attempt 1 of 3")]);

    calls = 0;
    await expect(
      retryOnLostProxyReply(async () => {
        calls++;
        throw new Error("no such table: connections");
      }),
    ).rejects.toThrow("no such table");
    expect(calls).toBe(1);
  });

  it("gives up after three lost replies in a row", async () => {
    let calls = 0;
    const failing = retryOnLostProxyReply(
      async () => {
        calls++;
        throw lostReply();
      },
      () => {},
    );
    await expect(failing).rejects.toBeInstanceOf(assert.AssertionError);
    expect(calls).toBe(3);
  });
});
