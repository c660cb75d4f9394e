import { describe, expect, it } from "vitest";
import { airbyteJobState } from "../../../worker/connectors/airbyte/status";
import { databricksRunState, idempotencyToken } from "../../../worker/connectors/databricks/status";
import { dbtCause, dbtRunState } from "../../../worker/connectors/dbt-cloud/status";
import { fivetranSyncState, lastFinishedAt } from "../../../worker/connectors/fivetran/status";
import { branchOf, gitHubRateLimit, workflowRunState } from "../../../worker/connectors/github-actions/status";
import { jwtAccount } from "../../../worker/connectors/snowflake/jwt";
import { requestIdFor, snowflakeErrorMessage, statementState } from "../../../worker/connectors/snowflake/status";

describe("dbt Cloud run status codes", () => {
  it("maps 1/2/3 to running and 10/20/30 to the end states; unknown codes use the run's own flags", () => {
    expect([1, 2, 3].map((status) => dbtRunState({ status }).state)).toEqual(["running", "running", "running"]);
    expect(dbtRunState({ status: 10 })).toEqual({ state: "succeeded" });
    expect(dbtRunState({ status: 20, status_message: "Database Error" })).toEqual({ state: "failed", message: "Database Error" });
    expect(dbtRunState({ status: 20, status_message: "None" })).toMatchObject({ message: "the dbt Cloud run errored" });
    // 30 Cancelled (CONTRACTS §3, §10): cancelled, not failed.
    expect(dbtRunState({ status: 30, status_message: "None" })).toEqual({ state: "cancelled", message: "the run was cancelled in dbt Cloud" });
    expect(dbtRunState({ status: 40, is_complete: true, is_success: false, is_cancelled: true })).toMatchObject({ state: "cancelled" });
    expect(dbtRunState({ status: 40, is_complete: true, is_success: false, is_cancelled: false })).toMatchObject({ state: "failed" });
    expect(dbtRunState({ status: 40, is_complete: true, is_success: true })).toEqual({ state: "succeeded" });
    expect(dbtRunState({ status: 40, is_complete: false })).toMatchObject({ state: "running" });
  });

  it("the cause names the Tutti run and stays within 255 characters", () => {
    expect(dbtCause({ runId: "run_1", taskKey: "build", attempt: 2 }, undefined)).toBe("Tutti run run_1 task build attempt 2");
    expect(dbtCause({ runId: "run_1", taskKey: "build", attempt: 1 }, "x".repeat(300))).toHaveLength(255);
  });
});

describe("Fivetran completion by timestamps", () => {
  const conn = (succeeded: string | null, failed: string | null, extra: Record<string, unknown> = {}) => ({
    succeeded_at: succeeded,
    failed_at: failed,
    status: { sync_state: "syncing", tasks: [] },
    ...extra,
  });
  const baseline = Date.parse("2026-01-01T00:00:00Z");

  it("is running until max(succeeded_at, failed_at) passes the baseline, then succeeds iff succeeded_at is later", () => {
    expect(lastFinishedAt(conn("2026-01-01T00:00:00Z", "2025-12-01T00:00:00Z"))).toBe(baseline);
    expect(fivetranSyncState(conn("2026-01-01T00:00:00Z", null), baseline).state).toBe("running");
    expect(fivetranSyncState(conn("2026-01-02T00:00:00Z", "2025-12-01T00:00:00Z"), baseline).state).toBe("succeeded");
    expect(fivetranSyncState(conn("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", { status: { tasks: [{ message: "Reconnect" }] } }), baseline)).toMatchObject({
      state: "failed",
      message: "the Fivetran sync failed: Reconnect",
    });
    expect(fivetranSyncState(conn(null, null), null).state).toBe("running");
    expect(fivetranSyncState(conn("2026-01-02T00:00:00Z", null), null).state).toBe("succeeded");
  });

  it("rescheduled is not terminal; paused without completion is reported", () => {
    expect(fivetranSyncState(conn("2026-01-01T00:00:00Z", null, { status: { sync_state: "rescheduled" } }), baseline).state).toBe("running");
    expect(fivetranSyncState(conn("2026-01-01T00:00:00Z", null, { paused: true }), baseline).state).toBe("paused");
  });
});

describe("Airbyte job statuses", () => {
  it("treats pending, queued, running and incomplete as in progress", () => {
    expect(["pending", "queued", "running", "incomplete", "brand_new"].map((status) => airbyteJobState({ status }).state)).toEqual([
      "running",
      "running",
      "running",
      "running",
      "running",
    ]);
    expect(airbyteJobState({ status: "succeeded", rowsSynced: 0, bytesSynced: 0 })).toEqual({ state: "succeeded", rowsSynced: 0, bytesSynced: 0 });
    expect(airbyteJobState({ status: "failed" }).state).toBe("failed");
    // CONTRACTS §5, §10: cancelled is its own end state.
    expect(airbyteJobState({ status: "cancelled" })).toEqual({ state: "cancelled", message: "the Airbyte job was cancelled in Airbyte" });
  });
});

describe("Databricks run states", () => {
  it("reads life_cycle_state + result_state", () => {
    for (const lcs of ["QUEUED", "PENDING", "RUNNING", "TERMINATING", "BLOCKED", "WAITING_FOR_RETRY"])
      expect(databricksRunState({ state: { life_cycle_state: lcs } }).state).toBe("running");
    expect(databricksRunState({ state: { life_cycle_state: "TERMINATED", result_state: "SUCCESS" } })).toEqual({ state: "succeeded", withFailures: false });
    expect(databricksRunState({ state: { life_cycle_state: "TERMINATED", result_state: "SUCCESS_WITH_FAILURES" } })).toEqual({
      state: "succeeded",
      withFailures: true,
    });
    expect(databricksRunState({ state: { life_cycle_state: "TERMINATED", result_state: "FAILED", state_message: "boom" } })).toMatchObject({
      state: "failed",
      message: expect.stringContaining("boom"),
    });
    expect(databricksRunState({ state: { life_cycle_state: "TERMINATED", result_state: "TIMEDOUT" } })).toMatchObject({
      message: expect.stringMatching(/^the run timed out/),
    });
    expect(databricksRunState({ state: { life_cycle_state: "SKIPPED" } }).state).toBe("failed");
    expect(databricksRunState({ state: { life_cycle_state: "INTERNAL_ERROR" } }).state).toBe("failed");
    expect(databricksRunState({ state: { life_cycle_state: "TERMINATED", result_state: "SOMETHING_NEW" } }).state).toBe("failed");
    // CONTRACTS §7, §10: result_state CANCELED is the cancelled end state, not a failure.
    expect(databricksRunState({ state: { life_cycle_state: "TERMINATED", result_state: "CANCELED", state_message: "Run cancelled." } })).toEqual({
      state: "cancelled",
      message: "the run was cancelled in Databricks: Run cancelled.",
    });
  });

  it("falls back on the newer status object", () => {
    expect(databricksRunState({ status: { state: "RUNNING" } }).state).toBe("running");
    expect(databricksRunState({ status: { state: "TERMINATED", termination_details: { code: "SUCCESS", type: "SUCCESS" } } }).state).toBe("succeeded");
    expect(databricksRunState({ status: { state: "TERMINATED", termination_details: { code: "USER_CANCELED" } } })).toEqual({
      state: "cancelled",
      message: "the run was cancelled in Databricks",
    });
    expect(databricksRunState({ status: { state: "TERMINATED", termination_details: { code: "CANCELED" } } }).state).toBe("cancelled");
    expect(databricksRunState({ status: { state: "TERMINATED", termination_details: { code: "DRIVER_ERROR", message: "OOM" } } })).toMatchObject({
      state: "failed",
      message: expect.stringContaining("DRIVER_ERROR"),
    });
  });

  it("idempotency tokens are per attempt and at most 64 characters", async () => {
    expect(await idempotencyToken({ runId: "run_abc", taskKey: "etl", attempt: 1 })).toBe("tutti-run_abc-etl-1");
    expect(await idempotencyToken({ runId: "run_abc", taskKey: "etl", attempt: 2 })).not.toBe(
      await idempotencyToken({ runId: "run_abc", taskKey: "etl", attempt: 1 }),
    );
    const long = await idempotencyToken({ runId: "run_abcdefghijklmnopqrst", taskKey: "a_very_long_task_key_that_goes_on_and_on", attempt: 1 });
    expect(long).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("GitHub workflow runs", () => {
  it("is terminal only when completed; success and neutral succeed", () => {
    for (const status of ["queued", "in_progress", "waiting", "requested", "pending"])
      expect(workflowRunState({ status, conclusion: null }).state).toBe("running");
    expect(workflowRunState({ status: "completed", conclusion: "success" }).state).toBe("succeeded");
    expect(workflowRunState({ status: "completed", conclusion: "neutral" }).state).toBe("succeeded");
    for (const conclusion of ["failure", "timed_out", "startup_failure", "skipped", "action_required", "stale", "new_value"]) {
      expect(workflowRunState({ status: "completed", conclusion }).state).toBe("failed");
    }
    // CONTRACTS §8, §10: conclusion `cancelled` is the cancelled end state.
    expect(workflowRunState({ status: "completed", conclusion: "cancelled" })).toEqual({
      state: "cancelled",
      message: "the workflow run was cancelled in GitHub",
    });
  });

  it("searches runs by the branch or tag name GitHub reports as head_branch, whether the ref is full or short", () => {
    expect(branchOf("refs/heads/main")).toBe("main");
    expect(branchOf("main")).toBe("main");
    expect(branchOf("refs/heads/feature/refs/heads/x")).toBe("feature/refs/heads/x");
    expect(branchOf("refs/tags/v1.2.0")).toBe("v1.2.0");
  });

  it("recognises primary and secondary rate limits and when to come back", () => {
    const now = 1_000_000_000_000;
    const h = (o: Record<string, string>) => new Headers(o);
    expect(gitHubRateLimit(403, h({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(now / 1000 + 90) }), now)).toEqual({
      kind: "rate_limited",
      message: "GitHub is rate limiting (HTTP 403)",
      retryAfterMs: 90_000,
    });
    expect(gitHubRateLimit(403, h({ "retry-after": "60" }), now)?.retryAfterMs).toBe(60_000);
    expect(gitHubRateLimit(429, h({}), now)?.kind).toBe("rate_limited");
    expect(gitHubRateLimit(403, h({ "x-ratelimit-remaining": "4000" }), now)).toBeNull();
    expect(gitHubRateLimit(401, h({}), now)).toBeNull();
  });
});

describe("Snowflake SQL API", () => {
  it("maps 202/200/422/408 and leaves other statuses to the HTTP error mapping", () => {
    expect(statementState(202, { code: "333334" })).toEqual({ state: "running" });
    // A query carries no DML stats; a DML statement its counts (sqlapi.yaml ResultSet.stats), none left out taken for 0.
    expect(statementState(200, { statementHandle: "h1", resultSetMetaData: { numRows: 3 } })).toEqual({
      state: "succeeded",
      numRows: 3,
      handles: ["h1"],
      dml: null,
    });
    expect(statementState(200, { statementHandle: "h2", stats: { numRowsInserted: 0, numRowsUpdated: 0, numRowsDeleted: 0 } })).toMatchObject({
      dml: { inserted: 0, updated: 0, deleted: 0 },
    });
    expect(statementState(200, { statementHandle: "h3", stats: { numRowsUpdated: 7 } })).toMatchObject({ dml: { inserted: 0, updated: 7, deleted: 0 } });
    expect(statementState(200, { statementHandle: "h4", stats: {} })).toMatchObject({ dml: null });
    expect(statementState(200, { statementHandle: "p", statementHandles: ["a", "b"] })).toMatchObject({ handles: ["a", "b"] });
    expect(statementState(422, { code: "002003", sqlState: "42S02", message: "SQL compilation error:\nno table" })).toEqual({
      state: "failed",
      message: "002003 (42S02): SQL compilation error: no table",
      timedOut: false,
    });
    expect(statementState(408, {})).toMatchObject({ state: "failed", timedOut: true });
    // 000604 (57014) "SQL execution canceled": someone cancelled the statement.
    expect(statementState(422, { code: "000604", sqlState: "57014", message: "SQL execution canceled", statementHandle: "h" })).toEqual({
      state: "cancelled",
      message: "the statement was cancelled in Snowflake: 000604 (57014): SQL execution canceled",
    });
    expect(statementState(429, {})).toEqual({ state: "http_error" });
    expect(snowflakeErrorMessage({})).toBeNull();
  });

  it("request ids are deterministic UUIDs per attempt", async () => {
    const a = await requestIdFor({ runId: "run_1", taskKey: "load", attempt: 1 });
    expect(a).toBe(await requestIdFor({ runId: "run_1", taskKey: "load", attempt: 1 }));
    expect(a).not.toBe(await requestIdFor({ runId: "run_1", taskKey: "load", attempt: 2 }));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("forms the JWT account", () => {
    expect(jwtAccount("xy12345.us-east-1")).toBe("XY12345");
    expect(jwtAccount("myorg-myaccount")).toBe("MYORG-MYACCOUNT");
  });
});
