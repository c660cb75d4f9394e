import { describe, expect, it } from "vitest";
import { parseSpecText, validateSpec } from "../../../worker/pipelines";
import { baseSpec, testDeps } from "./fixtures";

function errorsOf(raw: unknown) {
  const result = validateSpec(raw, testDeps);
  if (result.ok) throw new Error("expected validation errors");
  return result.errors;
}

function specOf(raw: unknown) {
  const result = validateSpec(raw, testDeps);
  if (!result.ok) throw new Error(`expected a valid spec, got ${JSON.stringify(result.errors)}`);
  return result.spec;
}

describe("validateSpec: normalization", () => {
  it("fills every default and turns durations into milliseconds", () => {
    const spec = specOf(baseSpec());
    expect(spec.description).toBe("");
    expect(spec.concurrency).toEqual({ max_runs: 1, on_conflict: "queue" });
    expect(spec.triggers).toEqual([]);
    expect(spec.params).toEqual({});
    expect(spec.timeout_ms).toBeNull();
    expect(spec.alerts).toBeNull();
    expect(spec.sla).toBeNull();
    expect(spec.tasks[0]).toEqual({
      id: "extract",
      connector: "tool",
      connection: "tool_prod",
      with: { job_id: 1, mode: "incremental" },
      depends_on: [],
      run_if: "all_success",
      retries: { max: 0, backoff: "exponential", delay_ms: 30_000, max_delay_ms: 3_600_000, jitter: true },
      timeout_ms: null,
      skip_downstream_if_no_new_data: false,
      poll_interval_ms: 30_000,
    });
    expect(spec.tasks[2].connection).toBeNull();
    expect(spec.tasks[2].with).toEqual({ url: "https://example.com/hook", method: "GET" });
  });

  it("reads durations such as 90s, 2h and 1h 30m", () => {
    const raw = baseSpec();
    raw.timeout = "1h 30m";
    raw.tasks[0].timeout = "90s";
    raw.tasks[0].poll_interval = "5s";
    raw.tasks[0].retries = { max: 3, backoff: "fixed", delay: "2m", max_delay: "2h", jitter: false };
    const spec = specOf(raw);
    expect(spec.timeout_ms).toBe(5_400_000);
    expect(spec.tasks[0].timeout_ms).toBe(90_000);
    expect(spec.tasks[0].poll_interval_ms).toBe(5_000);
    expect(spec.tasks[0].retries).toEqual({ max: 3, backoff: "fixed", delay_ms: 120_000, max_delay_ms: 7_200_000, jitter: false });
  });

  it("a retry delay longer than the default cap raises the cap to the delay", () => {
    const raw = baseSpec();
    raw.tasks[0].retries = { max: 2, delay: "3h" };
    expect(specOf(raw).tasks[0].retries.max_delay_ms).toBe(10_800_000);
  });

  it("the SLA timezone defaults to the schedule's, and timezone case is canonicalised", () => {
    const raw = baseSpec();
    raw.schedule.timezone = "europe/london";
    raw.sla = { finish_by: "08:00" };
    const spec = specOf(raw);
    expect(spec.schedule).toEqual({ cron: "0 6 * * 1-5", timezone: "Europe/London" });
    expect(spec.sla).toEqual({ finish_by: "08:00", timezone: "Europe/London" });
  });

  it("a schedule without a timezone runs in UTC", () => {
    const raw = baseSpec();
    raw.schedule = { cron: "*/15 * * * *" };
    expect(specOf(raw).schedule).toEqual({ cron: "*/15 * * * *", timezone: "UTC" });
  });

  it("accepts the design document's YAML example shape", () => {
    const parsed = parseSpecText(`
name: daily_revenue
team: analytics
description: Revenue marts for finance dashboards
schedule: { cron: "0 6 * * 1-5", timezone: Europe/London }
triggers: [{ after: ingest_crm, on: success }]
concurrency: { max_runs: 1, on_conflict: queue }
params: { full_refresh: false }
timeout: 2h
products: [finance_revenue]
tasks:
  - id: sync_crm
    connector: tool
    connection: fivetran_prod
    with: { job_id: 7 }
    retries: { max: 3, backoff: exponential, delay: 30s }
    timeout: 1h
  - id: build_marts
    connector: tool
    connection: dbt_prod
    with: { job_id: 4242, mode: full }
    depends_on: [sync_crm]
    run_if: all_success
alerts: { on: [failure, sla_miss], to: [team] }
sla: { finish_by: "08:00", timezone: Europe/London }
`);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const spec = specOf(parsed.value);
    expect(spec.triggers).toEqual([{ after: "ingest_crm", on: "success" }]);
    expect(spec.timeout_ms).toBe(7_200_000);
    expect(spec.params).toEqual({ full_refresh: false });
    expect(spec.alerts).toEqual({ on: ["failure", "sla_miss"], to: ["team"] });
    expect(spec.tasks[1].with).toEqual({ job_id: 4242, mode: "full" });
  });
});

describe("validateSpec: errors carry exact paths", () => {
  it("an unknown dependency is reported at tasks[i].depends_on[j], with a suggestion", () => {
    const raw = baseSpec();
    raw.tasks[2].depends_on = ["transform", "extrct"];
    expect(errorsOf(raw)).toEqual([{ path: "tasks[2].depends_on[1]", message: 'no task with id "extrct" (did you mean "extract"?)' }]);
  });

  it("duplicate task ids point at the second one", () => {
    const raw = baseSpec();
    raw.tasks[2].id = "extract";
    expect(errorsOf(raw)).toContainEqual({ path: "tasks[2].id", message: 'duplicate task id "extract" (first used by tasks[0])' });
  });

  it("a two-task cycle is reported once with the cycle spelled out", () => {
    const raw = baseSpec();
    raw.tasks[0].depends_on = ["transform"];
    expect(errorsOf(raw)).toEqual([{ path: "tasks[1].depends_on[0]", message: "dependency cycle: extract → transform → extract" }]);
  });

  it("a three-task cycle names every task on it", () => {
    const raw = baseSpec();
    raw.tasks[0].depends_on = ["notify"];
    const errors = errorsOf(raw);
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toBe("dependency cycle: extract → notify → transform → extract");
  });

  it("depending on itself and listing a dependency twice are errors", () => {
    const raw = baseSpec();
    raw.tasks[1].depends_on = ["transform", "extract", "extract"];
    expect(errorsOf(raw)).toEqual([
      { path: "tasks[1].depends_on[0]", message: "a task cannot depend on itself" },
      { path: "tasks[1].depends_on[2]", message: '"extract" is listed twice' },
    ]);
  });

  it("an unknown connector lists the known ones", () => {
    const raw = baseSpec();
    raw.tasks[1].connector = "airflow";
    expect(errorsOf(raw)).toEqual([{ path: "tasks[1].connector", message: 'unknown connector "airflow"; known: tool, plain' }]);
  });

  it("`with` is checked by the connector's own schema and prefixed with the task path", () => {
    const raw = baseSpec();
    raw.tasks[1].with = { job_id: "x", extra: true };
    const paths = errorsOf(raw)
      .map((e) => e.path)
      .sort();
    expect(paths).toEqual(["tasks[1].with.extra", "tasks[1].with.job_id"]);
  });

  it("a connector that needs a connection must name one; one that needs none may omit it", () => {
    const raw = baseSpec();
    delete raw.tasks[0].connection;
    expect(errorsOf(raw)).toEqual([
      { path: "tasks[0].connection", message: "the tool connector needs a connection: the name of one of the team's tool connections" },
    ]);
  });

  it("bad durations name the field and the accepted form", () => {
    const raw = baseSpec();
    raw.timeout = "2 hours";
    raw.tasks[0].timeout = 90;
    raw.tasks[1].retries = { max: 2, delay: "10m", max_delay: "1m" };
    raw.tasks[2].poll_interval = "0s";
    const errors = errorsOf(raw);
    expect(errors.map((e) => e.path).sort()).toEqual(["tasks[0].timeout", "tasks[1].retries.max_delay", "tasks[2].poll_interval", "timeout"]);
    expect(errors.find((e) => e.path === "timeout")!.message).toMatch(/duration such as "90s"/);
    expect(errors.find((e) => e.path === "tasks[1].retries.max_delay")!.message).toBe("must not be shorter than delay");
    expect(errors.find((e) => e.path === "tasks[2].poll_interval")!.message).toBe("poll_interval must be between 1s and 1h");
  });

  it("retries.max is bounded to 0–20", () => {
    const raw = baseSpec();
    raw.tasks[0].retries = { max: 21 };
    raw.tasks[1].retries = { max: -1 };
    expect(errorsOf(raw).map((e) => e.path)).toEqual(["tasks[0].retries.max", "tasks[1].retries.max"]);
  });

  it("invalid cron, cron with seconds, impossible dates and unknown timezones are refused", () => {
    for (const [cron, message] of [
      ["61 * * * *", /invalid cron expression/],
      ["0 0 * * * *", /five fields/],
      ["0 0 31 2 *", /never fires/],
      ["every day", /five fields/],
    ] as const) {
      const raw = baseSpec();
      raw.schedule.cron = cron;
      const errors = errorsOf(raw);
      expect(errors.map((e) => e.path)).toEqual(["schedule.cron"]);
      expect(errors[0].message).toMatch(message);
    }
    const raw = baseSpec();
    raw.schedule.timezone = "Mars/Olympus";
    raw.sla = { finish_by: "8am", timezone: "+01:00" };
    expect(
      errorsOf(raw)
        .map((e) => e.path)
        .sort(),
    ).toEqual(["schedule.timezone", "sla.finish_by", "sla.timezone"]);
  });

  it("a wall-clock time that DST skips or repeats is still a valid schedule", () => {
    // 02:30 does not exist in London on the last Sunday of March and happens twice in New York in November:
    // validity is a property of the expression; the engine decides the instants.
    for (const [cron, timezone] of [
      ["30 1 * * 0", "Europe/London"],
      ["30 2 * * *", "Europe/London"],
      ["30 1 * 11 0", "America/New_York"],
    ]) {
      const raw = baseSpec();
      raw.schedule = { cron, timezone };
      expect(specOf(raw).schedule).toEqual({ cron, timezone });
    }
  });

  it("unknown fields are reported one per key, at their own path", () => {
    const raw = baseSpec();
    raw.owner = "me";
    raw.tasks[0].retry = 3;
    expect(errorsOf(raw)).toEqual(
      expect.arrayContaining([
        { path: "owner", message: "unknown field" },
        { path: "tasks[0].retry", message: "unknown field" },
      ]),
    );
    expect(errorsOf(raw)).toHaveLength(2);
  });

  it("shape errors and cross-task errors come back together in one pass", () => {
    const raw = baseSpec();
    raw.name = "Daily Revenue";
    raw.tasks[1].run_if = "sometimes";
    raw.tasks[2].depends_on = ["nope"];
    expect(
      errorsOf(raw)
        .map((e) => e.path)
        .sort(),
    ).toEqual(["name", "tasks[1].run_if", "tasks[2].depends_on[0]"]);
  });

  it("missing required fields and an empty task list are named", () => {
    expect(
      errorsOf({ tasks: [] })
        .map((e) => e.path)
        .sort(),
    ).toEqual(["name", "tasks", "team"]);
    expect(errorsOf("just a string")).toEqual([expect.objectContaining({ path: "(root)" })]);
  });

  it("a pipeline cannot trigger itself or list the same upstream twice", () => {
    const raw = baseSpec();
    raw.triggers = [{ after: "daily_revenue" }, { after: "ingest" }, { after: "ingest", on: "finish" }];
    expect(errorsOf(raw)).toEqual([
      { path: "triggers[0].after", message: "a pipeline cannot trigger itself" },
      { path: "triggers[2].after", message: '"ingest" is listed twice' },
    ]);
  });

  it("alert targets must be team, team:<slug> or channel:<name>", () => {
    const raw = baseSpec();
    raw.alerts = { on: ["failure", "explosion"], to: ["team", "team:finance", "#general"] };
    expect(
      errorsOf(raw)
        .map((e) => e.path)
        .sort(),
    ).toEqual(["alerts.on[1]", "alerts.to[2]"]);
  });
});
