import { describe, expect, it } from "vitest";
import { parseSpecText, validateSpec } from "../../../worker/pipelines";
import { pathSegments, specLocator } from "../../../worker/pipelines/locate";
import { registrySpecDeps } from "../../../worker/pipelines/registry-deps";
import { pipelineTemplates, templateById } from "../../../worker/pipelines/templates";

describe("pipeline templates", () => {
  it("offers the starting points, by id", () => {
    expect(pipelineTemplates.map((t) => t.id)).toEqual(["ingest-transform-publish", "dbt-slim-ci", "freshness-checked-product", "http-call"]);
    expect(templateById("dbt-slim-ci")?.title).toBe("dbt Slim CI");
    expect(templateById("nope")).toBeUndefined();
  });

  for (const template of pipelineTemplates) {
    it(`"${template.id}" is a valid spec with the name and team it is given`, () => {
      const parsed = parseSpecText(template.render({ name: "orders_daily", team: "analytics" }));
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
      const result = validateSpec(parsed.value, registrySpecDeps);
      if (!result.ok) throw new Error(JSON.stringify(result.errors));
      expect(result.spec).toMatchObject({ name: "orders_daily", team: "analytics" });
      expect(result.spec.tasks.length).toBeGreaterThan(0);
    });
  }
});

describe("locating error paths in the spec text", () => {
  const text = `name: a
team: t
tasks:
  - id: one
    connector: http
    with: { url: "https://x.example.com", verb: GET }
  - id: two
    depends_on: [one, nine]
`;
  const locate = specLocator(text);

  it("splits paths into keys and indexes", () => {
    expect(pathSegments("tasks[1].depends_on[0]")).toEqual(["tasks", 1, "depends_on", 0]);
    expect(pathSegments("(root)")).toEqual([]);
  });

  it("points at a field's key, a list item, and a key inside a flow mapping", () => {
    expect(locate("team")).toEqual({ line: 2, column: 1 });
    expect(locate("tasks[1].depends_on[1]")).toEqual({ line: 8, column: 23 });
    expect(locate("tasks[0].with.verb")).toEqual({ line: 6, column: 43 });
  });

  it("puts a missing field where its parent starts, and the root at the top", () => {
    expect(locate("tasks[1].connector")).toEqual({ line: 7, column: 5 });
    expect(locate("schedule")).toEqual({ line: 1, column: 1 });
    expect(locate("(root)")).toEqual({ line: 1, column: 1 });
  });
});
