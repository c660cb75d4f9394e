import { describe, expect, it } from "vitest";
import { redactor } from "../../../worker/connectors/redact";
import { prepareAttemptLog } from "../../../worker/logs/capture";

const ref = { runId: "run_1", taskKey: "load", attempt: 1, source: "http" };

describe("a log prepared for the run engine's outbox", () => {
  it("holds no credential and re-encodes to the bytes it counts", () => {
    const secret = "tok_0123456789abcdef";
    const text = `started with ${secret}\nrésumé ✓ 数据 done\n`;
    const log = prepareAttemptLog(ref, text, { complete: true, redactor: redactor([secret]), now: 1000 });
    expect(log.text).not.toContain(secret);
    expect(log.text).toContain("[redacted]");
    expect(new TextEncoder().encode(log.text).length).toBe(log.bytes);
    expect(log).toMatchObject({ ref, dropped: 0, complete: true, fetchedAt: 1000 });
  });

  it("is cut to its tail at a line start, counting the dropped head in bytes", () => {
    // Multi-byte characters on both sides of the 1 MiB cut: the kept text must still decode and re-encode exactly.
    const line = `${"é数".repeat(20)}\n`;
    const text = line.repeat(Math.ceil((1024 * 1024) / new TextEncoder().encode(line).length) + 50);
    const log = prepareAttemptLog(ref, text, { complete: false, redactor: redactor(), now: 5 });
    const total = new TextEncoder().encode(text).length;
    expect(log.bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(log.dropped + log.bytes).toBe(total);
    expect(log.text.startsWith("é数")).toBe(true);
    expect(new TextEncoder().encode(log.text).length).toBe(log.bytes);
  });
});
