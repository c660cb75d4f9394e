import { describe, expect, it } from "vitest";
import { externalHref } from "../../../web/src/lib/links";

describe("externalHref: links from tools, callbacks and users", () => {
  it("keeps absolute http(s) URLs", () => {
    expect(externalHref("https://cloud.getdbt.com/deploy/1/projects/2/runs/3")).toBe("https://cloud.getdbt.com/deploy/1/projects/2/runs/3");
    expect(externalHref("http://127.0.0.1:8790/ui/jobs/job_1")).toBe("http://127.0.0.1:8790/ui/jobs/job_1");
  });

  it("drops script, data and other schemes, however they are spelled", () => {
    for (const attack of [
      "javascript:alert(document.cookie)",
      " JavaScript:alert(1)",
      "java\tscript:alert(1)",
      "data:text/html,<script>alert(1)</script>",
      "vbscript:msgbox(1)",
      "file:///etc/passwd",
    ]) {
      expect(externalHref(attack), attack).toBeNull();
    }
  });

  it("drops relative and empty values, which would resolve inside the dashboard", () => {
    for (const value of ["/settings/tokens", "//evil.example.com/x", "runs/1", "", null, undefined]) expect(externalHref(value)).toBeNull();
  });
});
