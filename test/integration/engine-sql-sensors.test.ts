import { describe, expect, it } from "vitest";
import { fakeCredentials } from "../fakes/credentials";
import { api, expectError, type Session } from "../helpers/api";
import { advance, isTerminal, taskStatus, waitForRun } from "../helpers/engine";
import { pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";
import { createConnection, fakePlan, fakeRequests, fakeUrl } from "../helpers/tool-fakes";
import { drain } from "../helpers/wait";

/**
 * Snowflake sensors: a query poked on the tenant Durable Object's alarm until its first row's first column is true.
 * Runs in every dispatch mode (vitest.config.ts `dispatchModeTests`), like the http sensors beside it.
 */

const creds = fakeCredentials.snowflake;
/** A one-column result set as the SQL API sends it: every value a string (CONTRACTS-2 §1), `type` from rowType. */
const answer = (type: "boolean" | "fixed", ...rows: Array<Array<string | null>>) => ({ rowType: [{ name: "READY", type }], data: rows });

/** A query only this test sends, so the shared fake's plan and executions are its own. */
const uniqueQuery = () => `select count(*) > 0 from raw.orders where loaded_at >= current_date /* ${crypto.randomUUID()} */`;

async function setup() {
  const { s, team } = await setupTenant();
  await createConnection(
    s,
    team.id,
    "snowflake",
    "snowflake_prod",
    { base_url: fakeUrl("snowflake"), account: creds.account.toLowerCase() },
    { token: creds.token },
  );
  return { s, team };
}

const sqlSensor = (id: string, statement: string, sensor: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id,
  connector: "snowflake",
  connection: "snowflake_prod",
  with: { statement, sensor, ...extra },
});

async function start(s: Session, name: string) {
  const res = await api(`/pipelines/${name}/runs`, { as: s, body: {} });
  if (res.status !== 201) throw new Error(`start ${name}: ${res.status} ${res.text}`);
  return res.json as { id: string };
}

const taskOf = (run: { tasks: Array<{ key: string; [k: string]: unknown }> }, key: string) => run.tasks.find((t) => t.key === key)!;
const waitingAt = (poke: number) => (r: { tasks: Array<{ key: string; [k: string]: unknown }> }) =>
  taskOf(r, "wait_for_orders").reason === `waiting: condition not met (poke ${poke})`;

/** The statement submissions the fake received for `statement`, each one poke. */
async function pokesOf(statement: string) {
  const posts = (await fakeRequests("snowflake", "/api/v2/statements?")).filter((r) => r.method === "POST" && JSON.parse(r.body).statement === statement);
  return posts.map((r) => ({ query: new URL(r.path, "http://x").searchParams, body: JSON.parse(r.body) as Record<string, unknown> }));
}

describe("Snowflake sensors: a query poked until its answer is true", () => {
  it("runs the query on each poke, waits on false and on no row, then succeeds on true and lets the downstream task run", async () => {
    const { s, team } = await setup();
    const query = uniqueQuery();
    await fakePlan("snowflake", query, { results: [answer("boolean", ["false"]), answer("boolean"), answer("boolean", ["true"])] });
    await pushPipeline(s, {
      name: "orders_loaded",
      team: team.slug,
      tasks: [sqlSensor("wait_for_orders", query, { interval: "5m", timeout: "6h" }), toolTask("load", {}, { depends_on: ["wait_for_orders"] })],
    });
    const run = await start(s, "orders_loaded");
    let seen = await waitForRun(s, run.id, waitingAt(1));
    expect(taskStatus(seen)).toEqual({ wait_for_orders: "running", load: "pending" });
    // Nothing is run again before the interval is over (half of it: the moved clock is the real one plus the offset).
    await advance(s.tenant.id, 150_000);
    await drain();
    expect(await pokesOf(query)).toHaveLength(1);

    await advance(s.tenant.id, 150_000);
    seen = await waitForRun(s, run.id, waitingAt(2));
    expect(taskStatus(seen)).toEqual({ wait_for_orders: "running", load: "pending" });

    await advance(s.tenant.id, 300_000);
    const done = await waitForRun(s, run.id, isTerminal);
    expect(done.status).toBe("succeeded");
    expect(taskStatus(done)).toEqual({ wait_for_orders: "succeeded", load: "succeeded" });
    expect(taskOf(done, "wait_for_orders")).toMatchObject({ attempt: 1, reason: null, outputs: { rows: 1 } });

    const pokes = await pokesOf(query);
    expect(pokes).toHaveLength(3);
    for (const poke of pokes) {
      // Each poke is a short synchronous statement under a requestId of its own (a resubmitted one would not run again).
      expect(poke.query.get("async")).toBe("false");
      expect(poke.body).toMatchObject({ timeout: 30, parameters: { query_tag: `tutti:${run.id}:wait_for_orders:1` } });
    }
    expect(new Set(pokes.map((p) => p.query.get("requestId"))).size).toBe(3);
    // No statement was left to follow: none of the three was asked about (status, partition, cancel) after its answer.
    const handles: string[] = await (await fetch(`${fakeUrl("snowflake")}/__fake/executions/${encodeURIComponent(query)}`)).json();
    expect(handles).toHaveLength(3);
    expect((await fakeRequests("snowflake", "/api/v2/statements/")).filter((r) => handles.some((h) => r.path.includes(h)))).toEqual([]);
  });

  it("times out without a retry when the query never answers true, and skips what depends on it", async () => {
    const { s, team } = await setup();
    const query = uniqueQuery();
    await fakePlan("snowflake", query, { results: [answer("fixed", ["0"])] });
    await pushPipeline(s, {
      name: "orders_never",
      team: team.slug,
      tasks: [
        { ...sqlSensor("wait_for_orders", query, { interval: "10m", timeout: "30m" }), retries: { max: 2, delay: "1s", jitter: false } },
        toolTask("load", {}, { depends_on: ["wait_for_orders"] }),
      ],
    });
    const run = await start(s, "orders_never");
    await waitForRun(s, run.id, waitingAt(1));
    for (let poke = 2; poke <= 3; poke++) {
      await advance(s.tenant.id, 10 * 60_000);
      await waitForRun(s, run.id, waitingAt(poke));
    }
    await advance(s.tenant.id, 10 * 60_000);
    const done = await waitForRun(s, run.id, isTerminal);
    expect(taskStatus(done)).toEqual({ wait_for_orders: "timed_out", load: "skipped" });
    expect(taskOf(done, "wait_for_orders")).toMatchObject({ attempt: 1, error: { kind: "timeout", message: "sensor timed out after 30m" } });
    await advance(s.tenant.id, 60 * 60_000);
    await drain();
    expect(taskOf(await waitForRun(s, run.id, () => true), "wait_for_orders").attempt).toBe(1);
    expect(await pokesOf(query)).toHaveLength(3);
  });

  it("fails the task with Snowflake's message when the query fails, poking no more", async () => {
    const { s, team } = await setup();
    const query = uniqueQuery();
    await fakePlan("snowflake", query, { outcome: "error" });
    await pushPipeline(s, { name: "orders_broken", team: team.slug, tasks: [sqlSensor("wait_for_orders", query, { interval: "1m", timeout: "1h" })] });
    const run = await start(s, "orders_broken");
    const done = await waitForRun(s, run.id, isTerminal);
    expect(taskStatus(done)).toEqual({ wait_for_orders: "failed" });
    expect(taskOf(done, "wait_for_orders")).toMatchObject({
      error: { kind: "tool_failure", message: "002003 (42S02): SQL compilation error: Object 'ANALYTICS.PUBLIC.MISSING' does not exist or not authorized." },
    });
    await advance(s.tenant.id, 10 * 60_000);
    await drain();
    expect(await pokesOf(query)).toHaveLength(1);
  });

  it("fails the task when the query runs past its poke timeout (Snowflake cancels it: 408), leaving no statement behind", async () => {
    const { s, team } = await setup();
    const query = uniqueQuery();
    await fakePlan("snowflake", query, { polls: 5 });
    await pushPipeline(s, {
      name: "orders_slow",
      team: team.slug,
      tasks: [sqlSensor("wait_for_orders", query, { interval: "1m", timeout: "1h" }, { timeout_seconds: 10 })],
    });
    const done = await waitForRun(s, (await start(s, "orders_slow")).id, isTerminal);
    expect(taskOf(done, "wait_for_orders")).toMatchObject({
      status: "failed",
      error: { kind: "tool_failure", message: expect.stringMatching(/^the statement timed out in Snowflake and was cancelled: 000630 \(57014\)/) },
    });
    expect((await pokesOf(query)).map((p) => p.body.timeout)).toEqual([10]);
  });

  it("looks again soon after a transient answer (503) instead of failing, then goes on", async () => {
    const { s, team } = await setup();
    const query = uniqueQuery();
    await fakePlan("snowflake", query, {
      results: [answer("fixed", ["1"])],
      errors: { submit: [{ status: 503, body: { code: "000503", message: "Service Unavailable" } }] },
    });
    await pushPipeline(s, { name: "orders_flaky", team: team.slug, tasks: [sqlSensor("wait_for_orders", query, { interval: "1h", timeout: "6h" })] });
    const run = await start(s, "orders_flaky");
    await waitForRun(s, run.id, waitingAt(1));
    // The transient answer is looked at again after 30 s, not the sensor's hour.
    await advance(s.tenant.id, 30_000);
    const done = await waitForRun(s, run.id, isTerminal);
    expect(taskStatus(done)).toEqual({ wait_for_orders: "succeeded" });
    expect(await pokesOf(query)).toHaveLength(2);
  });

  it("refuses at push a sensor whose query writes, holds several statements or may run long, naming the field", async () => {
    const { s, team } = await setup();
    const push = (task: Record<string, unknown>) =>
      api("/pipelines", { as: s, body: { spec_text: JSON.stringify({ name: "bad_sql_sensor", team: team.slug, tasks: [task] }), format: "json" } });
    const timing = { interval: "5m", timeout: "6h" };
    const problems = async (task: Record<string, unknown>) => {
      const res = await push(task);
      expectError(res, 400, "validation_failed");
      return res.json.error.details as Array<{ path: string; message: string }>;
    };
    expect(await problems(sqlSensor("w", "insert into raw.flags select 1", timing))).toContainEqual(
      expect.objectContaining({ path: "tasks[0].with.statement", message: expect.stringContaining("not INSERT") }),
    );
    expect(await problems(sqlSensor("w", "select 1; select 2", timing))).toContainEqual(
      expect.objectContaining({ path: "tasks[0].with.statement", message: expect.stringContaining("one query") }),
    );
    expect(await problems(sqlSensor("w", "select 1", timing, { timeout_seconds: 300 }))).toContainEqual(
      expect.objectContaining({ path: "tasks[0].with.timeout_seconds" }),
    );
    // The bounds of interval and timeout are the http sensor's.
    expect(await problems(sqlSensor("w", "select 1", { interval: "5s", timeout: "1h" }))).toContainEqual(
      expect.objectContaining({ path: "tasks[0].with.sensor.interval", message: expect.stringContaining("between 10s and") }),
    );
    expect(await problems(sqlSensor("w", "select 1", { interval: "1m", timeout: "8d" }))).toContainEqual(
      expect.objectContaining({ path: "tasks[0].with.sensor.timeout", message: expect.stringContaining("and 7d") }),
    );
    expect((await api("/pipelines/bad_sql_sensor", { as: s })).status).toBe(404);
  });
});
