import { afterEach, describe, expect, it, vi } from "vitest";
import { errorFields, log, logger } from "../../../worker/lib/log";

afterEach(() => vi.restoreAllMocks());

function capture(method: "log" | "warn" | "error") {
  const lines: string[] = [];
  vi.spyOn(console, method).mockImplementation((line: string) => lines.push(line));
  return lines;
}

describe("log", () => {
  it("writes one JSON line with level, message, request and tenant ids, then the fields", () => {
    const lines = capture("error");
    logger({ requestId: "req_1" }).with({ tenantId: "tnt_1" }).error("something failed", { run_id: "run_1", attempts: 2 });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toEqual({
      level: "error",
      message: "something failed",
      request_id: "req_1",
      tenant_id: "tnt_1",
      run_id: "run_1",
      attempts: 2,
    });
    // The secrets sweep (test/integration/secrets-never-leak) recognises error lines by this exact text.
    expect(lines[0]).toContain('"level":"error"');
  });

  it("leaves out unknown context and undefined fields, and sends each level to its console method", () => {
    const info = capture("log");
    const warn = capture("warn");
    log.info("housekeeping", { sessions: 3, skipped: undefined });
    log.warn("odd state");
    expect(info.map((l) => JSON.parse(l))).toEqual([{ level: "info", message: "housekeeping", sessions: 3 }]);
    expect(warn.map((l) => JSON.parse(l))).toEqual([{ level: "warn", message: "odd state" }]);
  });

  it("redacts fields whose name says they hold a credential", () => {
    const lines = capture("error");
    log.error("call failed", { api_key: "k-123", webhook_secret: "s-456", Authorization: "Bearer t-789", token: "tok", connector: "http" });
    expect(lines[0]).not.toMatch(/k-123|s-456|t-789|"tok"/);
    expect(JSON.parse(lines[0]).connector).toBe("http");
  });

  it("an error contributes its message and stack", () => {
    const fields = errorFields(new Error("boom"));
    expect(fields.error).toBe("Error: boom");
    expect(fields.stack).toContain("boom");
    expect(errorFields("plain")).toEqual({ error: "plain" });
  });
});
