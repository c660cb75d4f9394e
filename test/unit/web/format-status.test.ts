import { describe, expect, it } from "vitest";
import { dayBoundary, formatDate, initials, relativeTime } from "../../../web/src/lib/format";
import { isRole, statusLabel, toneOf } from "../../../web/src/lib/status";
import { safeNextPath } from "../../../web/src/lib/paths";
import { tokenStatus } from "../../../web/src/lib/tokens";

const now = Date.parse("2026-03-12T12:00:00Z");
const ago = (ms: number) => new Date(now - ms).toISOString();

describe("relative times", () => {
  it("reads like a person would say it", () => {
    expect(relativeTime(null, now)).toBe("Never");
    expect(relativeTime(ago(20_000), now)).toBe("just now");
    expect(relativeTime(ago(5 * 60_000), now)).toBe("5 min ago");
    expect(relativeTime(ago(3 * 3_600_000), now)).toBe("3 h ago");
    expect(relativeTime(ago(86_400_000), now)).toBe("1 day ago");
    expect(relativeTime(ago(-4 * 86_400_000), now)).toBe("in 4 days");
  });

  it("falls back to the date beyond a month", () => {
    expect(relativeTime(ago(40 * 86_400_000), now)).toBe(formatDate(ago(40 * 86_400_000)));
  });

  it("turns a picked day into the bounds of that local day", () => {
    const start = dayBoundary("2026-03-12", "start")!;
    const end = dayBoundary("2026-03-12", "end")!;
    expect(Date.parse(end) - Date.parse(start)).toBe(86_400_000 - 1);
    expect(dayBoundary("12/03/2026", "start")).toBeUndefined();
  });

  it("makes initials from a name, or the e-mail when there is none", () => {
    expect(initials("Ada Lovelace")).toBe("AL");
    expect(initials("", "grace.hopper@example.com")).toBe("GH");
  });
});

describe("status colours", () => {
  it("gives each status one tone everywhere", () => {
    expect(toneOf("succeeded")).toBe("success");
    expect(toneOf("FAILED")).toBe("danger");
    expect(toneOf("running")).toBe("info");
    expect(toneOf("stale")).toBe("warning");
    expect(toneOf("revoked")).toBe("neutral");
    expect(toneOf("something-new")).toBe("neutral");
  });

  it("labels statuses and keeps scopes as written", () => {
    expect(statusLabel("timed_out")).toBe("Timed out");
    expect(statusLabel("pipelines:write")).toBe("pipelines:write");
    expect(isRole("maintainer")).toBe(true);
    expect(isRole("failed")).toBe(false);
  });
});

describe("token status", () => {
  it("is revoked, expired or active", () => {
    expect(tokenStatus({ revoked_at: ago(1000), expires_at: null }, now)).toBe("revoked");
    expect(tokenStatus({ revoked_at: null, expires_at: ago(1000) }, now)).toBe("expired");
    expect(tokenStatus({ revoked_at: null, expires_at: ago(-1000) }, now)).toBe("active");
    expect(tokenStatus({ revoked_at: null, expires_at: null }, now)).toBe("active");
  });
});

describe("login redirect target", () => {
  it("keeps same-site paths and drops anything that could leave the site", () => {
    expect(safeNextPath("/settings/tokens?x=1")).toBe("/settings/tokens?x=1");
    expect(safeNextPath(null)).toBe("/");
    expect(safeNextPath("https://evil.example")).toBe("/");
    expect(safeNextPath("//evil.example/path")).toBe("/");
    expect(safeNextPath("/\\evil.example")).toBe("/");
  });
});
