import { describe, expect, it } from "vitest";
import { bigQueryCostsFromDbt, TIB } from "../../../worker/costs/bigquery";
import { thresholdsReached } from "../../../worker/costs/budgets";
import { csvField } from "../../../worker/costs/explorer";
import { fromMicros } from "../../../worker/costs/money";
import { parseQueryTag, snowflakeQueryCost, snowflakeIdleCost } from "../../../worker/costs/snowflake";
import { databricksDbus, draftFromFact } from "../../../worker/costs/tool-facts";
import { defaultCostSettings } from "../../../worker/costs/settings";
import { unitProblem } from "../../../worker/costs/units";
import { parseRunResults } from "../../../worker/lineage/dbt-run-results";
import { queryTag } from "../../../worker/connectors/snowflake/status";
import { dbtFixture } from "../../helpers/lineage-fixtures";

describe("Snowflake query tags", () => {
  it("reads the tag Tutti's Snowflake connector sets", () => {
    const tag = queryTag({ runId: "run_abcdefghij0123456789", taskKey: "build_marts", attempt: 2 });
    expect(parseQueryTag(tag)).toEqual({ runId: "run_abcdefghij0123456789", taskKey: "build_marts" });
  });

  it("reads JSON tags and bare run ids, and ignores other tags", () => {
    expect(parseQueryTag('{"team":"fin","tutti_run_id":"run_abcdefghij0123456789","tutti_task_key":"load"}')).toEqual({
      runId: "run_abcdefghij0123456789",
      taskKey: "load",
    });
    expect(parseQueryTag("run_abcdefghij0123456789")).toEqual({ runId: "run_abcdefghij0123456789", taskKey: null });
    expect(parseQueryTag("dbt_daily")).toBeNull();
    expect(parseQueryTag("tutti:not-a-run:task")).toBeNull();
    expect(parseQueryTag("{not json")).toBeNull();
    expect(parseQueryTag(null)).toBeNull();
  });
});

describe("Snowflake costs", () => {
  const price = { pricePerCredit: 3, currency: "USD" };
  it("prices compute and acceleration credits of a query and links it to the tagged task", () => {
    const d = snowflakeQueryCost(
      {
        externalRef: "01b3-q1",
        startedAt: Date.UTC(2026, 5, 1, 6),
        endedAt: Date.UTC(2026, 5, 1, 6, 5),
        facts: {
          QUERY_ID: "01b3-q1",
          QUERY_TAG: "tutti:run_abcdefghij0123456789:build:1",
          CREDITS_ATTRIBUTED_COMPUTE: 0.5,
          CREDITS_USED_QUERY_ACCELERATION: "0.25",
          WAREHOUSE_NAME: "TRANSFORM",
        },
      },
      price,
    )!;
    expect(d.amountMicros).toBe(2_250_000);
    expect(d.quantity).toBe(0.75);
    expect(d.attribution).toMatchObject({ runId: "run_abcdefghij0123456789", taskKey: "build", queryId: "01b3-q1", warehouse: "TRANSFORM" });
  });

  it("gives no record while the facts carry no credits (ACCOUNT_USAGE lags)", () => {
    expect(snowflakeQueryCost({ externalRef: "q", startedAt: 1, endedAt: 2, facts: { query_id: "q", warehouse: "W" } }, price)).toBeNull();
  });

  it("idle warehouse time is metered minus attributed credits, never negative", () => {
    const row = { warehouse: "W", startedAt: 0, endedAt: 3_600_000 };
    expect(fromMicros(snowflakeIdleCost({ ...row, meteredCredits: 4, attributedCredits: 3 }, price)!.amountMicros)).toBe(3);
    expect(snowflakeIdleCost({ ...row, meteredCredits: 2, attributedCredits: 3 }, price)).toBeNull();
  });
});

describe("BigQuery from dbt run_results", () => {
  it("prices bytes billed of the bigquery fixture at the configured price per TiB, one record per job", () => {
    const parsed = parseRunResults(JSON.parse(dbtFixture("bigquery-1.9/run_results.json")));
    if (!parsed.ok) throw new Error("fixture did not parse");
    const drafts = bigQueryCostsFromDbt(parsed.runResults.results, {
      pricePerTib: 6.25,
      currency: "USD",
      task: null,
      datasetOf: () => null,
      generatedAt: parsed.runResults.metadata.generatedAt!,
    });
    const billed = parsed.runResults.results.filter((r) => (r.bytesBilled ?? 0) > 0);
    expect(drafts).toHaveLength(billed.length);
    expect(new Set(drafts.map((d) => d.externalRef)).size).toBe(drafts.length);
    const first = drafts.find((d) => d.description === "dbt model.elementary.dbt_invocations")!;
    expect(first.externalRef).toBe("your-project:asia-northeast1:bb0f14b1-1b9c-488d-af58-da3b39f10798");
    expect(first.quantity).toBe(20_971_520);
    expect(first.unit).toBe("bytes");
    expect(first.amountMicros).toBe(Math.round((20_971_520 / TIB) * 6.25 * 1e6));
    const totalBytes = billed.reduce((a, r) => a + r.bytesBilled!, 0);
    // Each record rounds to a whole micro-unit: the sum is off by at most half a micro per record.
    const sum = drafts.reduce((a, d) => a + d.amountMicros, 0);
    expect(Math.abs(sum - (totalBytes / TIB) * 6.25 * 1e6)).toBeLessThanOrEqual(drafts.length / 2);
  });
});

describe("connector facts", () => {
  it("prices Databricks DBUs, billed or from the cluster rate and duration", () => {
    expect(databricksDbus({ facts: { usage_quantity: 12.5 }, startedAt: null, endedAt: null })).toBe(12.5);
    expect(databricksDbus({ facts: { dbu_per_hour: 4 }, startedAt: 0, endedAt: 1_800_000 })).toBe(2);
    expect(databricksDbus({ facts: {}, startedAt: 0, endedAt: 10 })).toBeNull();
    const d = draftFromFact(
      { source: "databricks", externalRef: "host/1", runId: "run_1", taskKey: "t", teamId: "team_1", startedAt: 5, endedAt: 10, facts: { dbus: 10 } },
      defaultCostSettings,
    )!;
    expect(fromMicros(d.amountMicros)).toBe(1.5);
    expect(d.attribution).toMatchObject({ runId: "run_1", taskKey: "t", teamId: "team_1" });
  });

  it("does not treat per-sync Fivetran rows as monthly active rows", () => {
    expect(
      draftFromFact(
        { source: "fivetran", externalRef: "s1", runId: null, taskKey: null, teamId: null, startedAt: 1, endedAt: 2, facts: { rows_synced: 1000 } },
        defaultCostSettings,
      ),
    ).toBeNull();
  });
});

describe("units and budgets", () => {
  it("refuses units a known source does not bill in", () => {
    expect(unitProblem("snowflake", "credits")).toBeNull();
    expect(unitProblem("snowflake", "dbu")).toMatch(/credits/);
    expect(unitProblem("aws", "furlongs")).toMatch(/unknown unit/);
    expect(unitProblem("aws", "hours")).toBeNull();
  });

  it("reaches 80 % and 100 % exactly at the boundary", () => {
    expect(thresholdsReached(7_999_999, 10_000_000)).toEqual([]);
    expect(thresholdsReached(8_000_000, 10_000_000)).toEqual([80]);
    expect(thresholdsReached(10_000_000, 10_000_000)).toEqual([80, 100]);
    expect(thresholdsReached(0, 0)).toEqual([]);
    expect(thresholdsReached(1, 0)).toEqual([80, 100]);
  });

  it("defuses spreadsheet formulas in CSV", () => {
    expect(csvField("=SUM(A1)")).toBe("'=SUM(A1)");
    expect(csvField('a "b", c')).toBe('"a ""b"", c"');
    expect(csvField(-3.5)).toBe("-3.5");
  });
});
