import { describe, expect, it } from "vitest";
import { canonicalJson, contentHash, diffSpecs, parseSpecText, validateSpec, type NormalizedSpec } from "../../../worker/pipelines";
import { baseSpec, testDeps } from "./fixtures";

function normalized(raw: unknown): NormalizedSpec {
  const r = validateSpec(raw, testDeps);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.spec;
}

describe("contentHash", () => {
  it("is the same for YAML and JSON, any key order, and spelled-out defaults", async () => {
    const fromJson = normalized(baseSpec());
    const yaml = parseSpecText(`
# comments do not matter
tasks:
  - { id: extract, connection: tool_prod, connector: tool, with: { job_id: 1 }, run_if: all_success }
  - { id: transform, connector: tool, connection: tool_prod, with: { job_id: 2, mode: incremental }, depends_on: [extract] }
  - { id: notify, connector: plain, with: { url: "https://example.com/hook" }, depends_on: [transform], run_if: all_done, retries: { max: 0 } }
schedule: { timezone: europe/london, cron: "0  6 * * 1-5" }
team: analytics
name: daily_revenue
concurrency: { max_runs: 1 }
`);
    expect(await contentHash(normalized(parsedValue(yaml)))).toBe(await contentHash(fromJson));
  });

  it("changes when anything meaningful changes", async () => {
    const a = normalized(baseSpec());
    const changed = baseSpec();
    changed.tasks[0].with.job_id = 99;
    expect(await contentHash(normalized(changed))).not.toBe(await contentHash(a));
    expect(await contentHash(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("canonical JSON sorts keys at every depth and drops undefined", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 2 }], c: undefined } })).toBe('{"a":{"d":[2,{"x":2,"y":1}]},"b":1}');
  });
});

/** The parsed value; a parse error fails the test with its messages. */
function parsedValue(r: ReturnType<typeof parseSpecText>): unknown {
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

describe("diffSpecs", () => {
  it("an identical spec has no changes", () => {
    const d = diffSpecs(normalized(baseSpec()), normalized(baseSpec()));
    expect(d).toMatchObject({ tasks_added: [], tasks_removed: [], tasks_changed: [], schedule_changed: false, other_changes: [], identical: true });
  });

  it("names added, removed and changed tasks with the changed fields", () => {
    const before = normalized(baseSpec());
    const raw = baseSpec();
    raw.tasks.splice(2, 1); // notify removed
    raw.tasks[1].with = { job_id: 3, mode: "full" };
    raw.tasks[1].retries = { max: 2 };
    raw.tasks.push({ id: "publish", connector: "plain", with: { url: "https://example.com/p" }, depends_on: ["transform"] });
    const d = diffSpecs(before, normalized(raw));
    expect(d.tasks_added).toEqual(["publish"]);
    expect(d.tasks_removed).toEqual(["notify"]);
    expect(d.tasks_changed).toEqual([{ id: "transform", fields: ["retries.max", "with.job_id", "with.mode"] }]);
    expect(d.identical).toBe(false);
  });

  it("reports schedule changes with before and after, and other changes as paths", () => {
    const before = normalized(baseSpec());
    const raw = baseSpec();
    raw.schedule = { cron: "0 7 * * *", timezone: "Europe/London" };
    raw.concurrency = { max_runs: 2 };
    raw.params = { full_refresh: true };
    raw.description = "new";
    raw.triggers = [{ after: "ingest" }];
    const d = diffSpecs(before, normalized(raw));
    expect(d.schedule_changed).toBe(true);
    expect(d.schedule_before).toEqual({ cron: "0 6 * * 1-5", timezone: "Europe/London" });
    expect(d.schedule_after).toEqual({ cron: "0 7 * * *", timezone: "Europe/London" });
    expect(d.other_changes).toEqual(["concurrency.max_runs", "description", "params.full_refresh", "triggers"]);
    expect(d.tasks_changed).toEqual([]);
  });

  it("removing a schedule is a schedule change; reordering tasks is not a change", () => {
    const before = normalized(baseSpec());
    const raw = baseSpec();
    delete raw.schedule;
    raw.tasks.reverse();
    const d = diffSpecs(before, normalized(raw));
    expect(d.schedule_changed).toBe(true);
    expect(d.schedule_after).toBeNull();
    expect(d.tasks_changed).toEqual([]);
    expect(d.other_changes).toEqual([]);
  });

  it("against nothing, every task is added", () => {
    const d = diffSpecs(null, normalized(baseSpec()));
    expect(d.tasks_added).toEqual(["extract", "transform", "notify"]);
    expect(d.schedule_changed).toBe(true);
    expect(d.identical).toBe(false);
  });
});
