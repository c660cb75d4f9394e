import { describe, expect, inject, it } from "vitest";
import { playCiJob } from "../../scripts/ci-e2e";

describe("CI job against wrangler dev", () => {
  it("pushes specs from a branch to ci only, uploads a PR manifest and prints the impact Markdown", async () => {
    const lines: string[] = [];
    const result = await playCiJob(inject("baseUrl"), (l) => lines.push(l));
    expect(result.prodVersion).toBe(1);
    expect(result.ciVersion).toBe(2);
    expect(lines.join("\n")).toContain("environment ci: production keeps running its own versions");
    expect(result.markdown).toContain("<!-- tutti:ci-impact -->");
    expect(result.markdown).toContain("`model.jaffle_shop.customers` | model | body");
    expect(result.markdown).toContain("`model.jaffle_shop.order_totals` | model | new");
    expect(result.markdown).toMatch(/orders_\w+` \| updated; tasks added `publish`/);
  });
});
