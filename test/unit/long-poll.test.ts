import { describe, expect, it } from "vitest";
import { longPoll } from "../../worker/lib/long-poll";

/** A virtual clock: sleeping moves it, so the test never waits. */
function virtualTime(onSleep: (at: number) => void = () => {}) {
  let t = 0;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleeps,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
      onSleep(t);
    },
  };
}

describe("longPoll", () => {
  it("backs off from 250 ms to one read every 2 s until the deadline", async () => {
    const time = virtualTime();
    let reads = 0;
    const value = await longPoll(
      0,
      async () => ++reads,
      () => false,
      { deadline: 30_000, signal: new AbortController().signal, ...time },
    );
    expect(time.sleeps.slice(0, 5)).toEqual([250, 500, 1000, 2000, 2000]);
    expect(time.now()).toBe(30_000);
    // 250 + 500 + 1000 = 1.75 s, then every 2 s up to 30 s: 3 + 15 reads, where a fixed 250 ms would make 120.
    expect(reads).toBe(18);
    expect(value).toBe(18);
  });

  it("answers as soon as a read is done, and at once when the first value already is", async () => {
    const time = virtualTime();
    expect(
      await longPoll(
        "running",
        async () => "succeeded",
        (v) => v === "succeeded",
        { deadline: 30_000, signal: new AbortController().signal, ...time },
      ),
    ).toBe("succeeded");
    expect(time.sleeps).toEqual([250]);
    const idle = virtualTime();
    expect(
      await longPoll(
        "succeeded",
        async () => "x",
        (v) => v === "succeeded",
        { deadline: 30_000, signal: new AbortController().signal, ...idle },
      ),
    ).toBe("succeeded");
    expect(idle.sleeps).toEqual([]);
  });

  it("stops reading when the client disconnects", async () => {
    const client = new AbortController();
    const time = virtualTime((at) => at >= 1750 && client.abort());
    let reads = 0;
    await longPoll(
      0,
      async () => ++reads,
      () => false,
      { deadline: 60_000, signal: client.signal, ...time },
    );
    expect(reads).toBe(2);
    expect(time.now()).toBe(1750);
  });
});
