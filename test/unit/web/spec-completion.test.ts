import { describe, expect, it } from "vitest";
import { completeSpec, type JsonSchema } from "../../../web/src/lib/editor/spec-completion";
import { shippedSpecJsonSchema } from "../../../worker/pipelines/registry-deps";

/** The schema the API serves at GET /pipelines/schema.json. */
const schema = shippedSpecJsonSchema() as JsonSchema;

/** Completes at the `|` in the text. */
function at(textWithCursor: string) {
  const offset = textWithCursor.indexOf("|");
  const answer = completeSpec(textWithCursor.replace("|", ""), offset, schema);
  return answer ? { from: answer.from, labels: answer.options.map((o) => o.label) } : null;
}

describe("completing a spec from the API's JSON Schema", () => {
  it("offers the top-level keys not written yet", () => {
    const r = at("name: a\nte|");
    expect(r?.labels).toContain("team");
    expect(r?.labels).toContain("tasks");
    expect(r?.labels).not.toContain("name");
    expect(r?.from).toBe(8);
  });

  it("offers a task's keys inside a list item, on the dash line and below it", () => {
    expect(at("tasks:\n  - |")?.labels).toEqual(expect.arrayContaining(["id", "connector", "depends_on", "retries"]));
    const below = at("tasks:\n  - id: a\n    connector: http\n    |")?.labels ?? [];
    expect(below).toEqual(expect.arrayContaining(["with", "depends_on", "run_if"]));
    expect(below).not.toContain("id");
    expect(below).not.toContain("connector");
  });

  it("offers the chosen connector's own settings under `with`", () => {
    const http = at("tasks:\n  - id: a\n    connector: http\n    with:\n      |")?.labels ?? [];
    expect(http).toEqual(expect.arrayContaining(["url", "method", "completion"]));
    const dbt = at("tasks:\n  - id: a\n    connector: dbt_cloud\n    with:\n      |")?.labels ?? [];
    expect(dbt).toEqual(expect.arrayContaining(["job_id", "steps_override"]));
    expect(dbt).not.toContain("url");
    const snowflake = at("tasks:\n  - id: a\n    connector: snowflake\n    with:\n      |")?.labels ?? [];
    expect(snowflake).toEqual(expect.arrayContaining(["statement", "sensor"]));
    expect(at("tasks:\n  - id: a\n    connector: snowflake\n    with:\n      sensor:\n        |")?.labels).toEqual(["interval", "timeout"]);
  });

  it("offers the values an enum allows, a free-form field's examples (run_if's keywords beside CEL), and nested keys of objects", () => {
    expect(at("tasks:\n  - id: a\n    run_if: al|")?.labels).toEqual(expect.arrayContaining(["all_success", "all_done"]));
    expect(at("tasks:\n  - id: a\n    connector: |")?.labels).toEqual(expect.arrayContaining(["http", "dbt_cloud", "fivetran"]));
    expect(at("concurrency:\n  |")?.labels).toEqual(["max_runs", "on_conflict"]);
  });

  it("offers keys and values inside flow style, also over several lines and inside nested collections", () => {
    expect(at("tasks: [{ |")?.labels).toEqual(expect.arrayContaining(["id", "connector", "depends_on", "retries"]));
    const afterId = at("tasks: [{ id: a, |")?.labels ?? [];
    expect(afterId).toContain("connector");
    expect(afterId).not.toContain("id");
    expect(at("tasks: [{ id: a, connector: |")?.labels).toEqual(expect.arrayContaining(["http", "dbt_cloud"]));
    expect(at("tasks: [{ id: a, connector: dbt_cloud, with: { |")?.labels).toEqual(expect.arrayContaining(["job_id", "steps_override"]));
    expect(at("tasks: [{ id: a, connector: dbt_cloud, with: { |")?.labels).not.toContain("url");
    expect(at("tasks:\n  - { id: a, connector: http, with: { u| } }")?.labels).toContain("url");
    expect(at("tasks: [\n  { id: a,\n    connector: http,\n    with: {\n      |")?.labels).toEqual(expect.arrayContaining(["url", "method"]));
    expect(at("concurrency: { max_runs: 2, |")?.labels).toEqual(["on_conflict"]);
    const conflict = at("concurrency: { max_runs: 2, on_conflict: q| }");
    expect(conflict?.labels.length).toBeGreaterThan(0);
    expect(conflict?.from).toBe("concurrency: { max_runs: 2, on_conflict: ".length);
  });

  it("offers nothing inside a quoted scalar or a comment, in flow style or not, nor after a collection was closed", () => {
    expect(at('tasks: [{ id: "a, |')).toBeNull();
    expect(at("tasks: [ # note |")).toBeNull();
    expect(at("# a comment |")).toBeNull();
    expect(at("concurrency: { max_runs: 2 }\n|")?.labels).not.toContain("max_runs");
  });
});
