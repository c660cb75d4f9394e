import { describe, expect, it } from "vitest";
import { keepAlarm, OUTBOX_RETRY_MS } from "../../../worker/durable/runs/alarm-time";

const now = 1_800_000_000_000;

describe("keepAlarm", () => {
  it("keeps an alarm set for exactly the time needed, with or without an outbox retry", () => {
    expect(keepAlarm(now + 700, now + 700, false, now)).toBe(true);
    expect(keepAlarm(now + 700, now + 700, true, now)).toBe(true);
  });

  it("moves a timer's alarm that is earlier or later than the timer", () => {
    expect(keepAlarm(now + 100, now + 700, false, now)).toBe(false);
    expect(keepAlarm(now + 900, now + 700, false, now)).toBe(false);
  });

  it("keeps an earlier alarm while the outbox waits for a retry: any alarm within the retry time serves", () => {
    // Set after the previous step (now - 1 s + 5 s); this step would ask for now + 5 s.
    expect(keepAlarm(now + OUTBOX_RETRY_MS - 1000, now + OUTBOX_RETRY_MS, true, now)).toBe(true);
    // Due already and about to fire.
    expect(keepAlarm(now - 10, now + OUTBOX_RETRY_MS, true, now)).toBe(true);
  });

  it("moves an alarm later than the retry needs, and one set so long ago that it is lost", () => {
    expect(keepAlarm(now + OUTBOX_RETRY_MS + 1, now + OUTBOX_RETRY_MS, true, now)).toBe(false);
    expect(keepAlarm(now - OUTBOX_RETRY_MS - 1, now + OUTBOX_RETRY_MS, true, now)).toBe(false);
  });
});
