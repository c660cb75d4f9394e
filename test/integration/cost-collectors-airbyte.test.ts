import { describe, expect, it } from "vitest";
import { fakeCredentials } from "../fakes/credentials";
import { alarmAt, collectors, enable, ledger, total } from "../helpers/collectors";
import { setEngineTime } from "../helpers/engine";
import { pushPipeline, setupTenant } from "../helpers/pipelines";
import { createConnection, fakePlan, fakeRequests, fakeUrl, firstTask, pollToEnd, startRun, uniqueNumber } from "../helpers/tool-fakes";

const HOUR = 3_600_000;
/** Business time of the first pass; every job is placed relative to it (no dependence on today's date). */
const T = Date.parse("2026-03-04T12:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();
const creds = fakeCredentials.airbyte;

/** A job as Airbyte's public API lists it, registered in the fake's history. */
async function airbyteJob(jobId: number, job: { connectionId: string; status: string; startTime: number; lastUpdatedAt: number; rowsSynced?: number }) {
  const res = await fetch(`${fakeUrl("airbyte")}/__fake/jobs/${jobId}`, {
    method: "PUT",
    body: JSON.stringify({ ...job, jobType: "sync", startTime: iso(job.startTime), lastUpdatedAt: iso(job.lastUpdatedAt) }),
  });
  expect(res.status).toBe(204);
}

describe("Airbyte cost collector", () => {
  it("prices each finished job's rows synced per million, gives a job Tutti started to its task, and corrects late counts without doubling", async () => {
    const { s, team } = await setupTenant();
    const base = `${fakeUrl("airbyte")}/api/public/v1`;
    const conn = await createConnection(
      s,
      team.id,
      "airbyte",
      "airbyte",
      { base_url: base },
      { client_id: creds.client_id, client_secret: creds.client_secret },
    );
    const airbyteConnection = crypto.randomUUID();

    // A sync Tutti ran: its job id is the task's external id.
    await fakePlan("airbyte", airbyteConnection, { polls: 0, outcome: "succeeded", rows: 10 });
    await pushPipeline(s, {
      name: "ab_costs",
      team: team.slug,
      tasks: [{ id: "load", connector: "airbyte", connection: "airbyte", with: { connection_id: airbyteConnection }, poll_interval: "1s" }],
    });
    const run = await pollToEnd(s, (await startRun(s, "ab_costs")).id);
    const tuttiJob = Number(firstTask(run).external_id);
    // Placed in the collector's window with its final count.
    await airbyteJob(tuttiJob, {
      connectionId: airbyteConnection,
      status: "succeeded",
      startTime: T - 6 * HOUR,
      lastUpdatedAt: T - 5 * HOUR,
      rowsSynced: 2_000_000,
    });

    const other = crypto.randomUUID();
    const [a, b, c, d, old] = [uniqueNumber(), uniqueNumber(), uniqueNumber(), uniqueNumber(), uniqueNumber()];
    await airbyteJob(a, { connectionId: other, status: "succeeded", startTime: T - 5 * HOUR, lastUpdatedAt: T - 4 * HOUR, rowsSynced: 1_500_000 });
    // A failed job still moved rows, and Airbyte bills them.
    await airbyteJob(b, { connectionId: other, status: "failed", startTime: T - 4 * HOUR, lastUpdatedAt: T - 3 * HOUR, rowsSynced: 200_000 });
    // Still running: no count yet.
    await airbyteJob(c, { connectionId: other, status: "running", startTime: T - 2 * HOUR, lastUpdatedAt: T - HOUR });
    // Finished without a count: unknown, not zero.
    await airbyteJob(d, { connectionId: other, status: "succeeded", startTime: T - 3 * HOUR, lastUpdatedAt: T - 2 * HOUR });
    // Before the one-day lookback: never read.
    await airbyteJob(old, { connectionId: other, status: "succeeded", startTime: T - 31 * HOUR, lastUpdatedAt: T - 30 * HOUR, rowsSynced: 9_000_000 });

    await setEngineTime(s.tenant.id, T - 65_000);
    await enable(s, conn.id, { lookback_days: 1 });
    await alarmAt(s.tenant.id, T);

    const host = new URL(base).host;
    const ref = (id: number) => `${host}:job:${id}`;
    // At the default 15 USD per million rows: 1.5 M → 22.5, 0.2 M → 3, 2 M → 30.
    let records = await ledger(s.tenant.id, "airbyte");
    expect(Object.fromEntries(records.map((r) => [r.external_ref, [r.amount_micros, r.quantity, r.unit]]))).toEqual({
      [ref(a)]: [22_500_000, 1_500_000, "rows"],
      [ref(b)]: [3_000_000, 200_000, "rows"],
      [ref(tuttiJob)]: [30_000_000, 2_000_000, "rows"],
    });
    expect(records.find((r) => r.external_ref === ref(tuttiJob))).toMatchObject({ run_id: run.id, task_key: "load", team_id: team.id });
    expect(records.find((r) => r.external_ref === ref(a))).toMatchObject({ run_id: null, team_id: team.id });
    let [state] = await collectors(s);
    expect(state.last_run).toMatchObject({ rows_read: 5, inserted: 3, updated: 0, error: null });

    // The listing: jobs by last update in the window, oldest first, on the connection's API.
    const [list] = (await fakeRequests("airbyte", "/api/public/v1/jobs?")).filter((r) => r.path.includes("updatedAtStart"));
    const q = new URL(list.path, "http://x").searchParams;
    expect(Date.parse(q.get("updatedAtEnd")!) - Date.parse(q.get("updatedAtStart")!)).toBe(24 * HOUR);
    expect([q.get("limit"), q.get("orderBy")]).toEqual(["100", "updatedAt|ASC"]);

    // The running job ends, and Airbyte corrects an earlier job's count: the next pass re-reads the day behind it.
    await airbyteJob(c, { connectionId: other, status: "succeeded", startTime: T - 2 * HOUR, lastUpdatedAt: T + HOUR, rowsSynced: 400_000 });
    await airbyteJob(a, { connectionId: other, status: "succeeded", startTime: T - 5 * HOUR, lastUpdatedAt: T - 4 * HOUR, rowsSynced: 1_600_000 });
    await alarmAt(s.tenant.id, T + 2 * HOUR);
    records = await ledger(s.tenant.id, "airbyte");
    expect(records.length).toBe(4);
    expect(records.find((r) => r.external_ref === ref(a))?.amount_micros).toBe(24_000_000);
    expect(records.find((r) => r.external_ref === ref(c))?.amount_micros).toBe(6_000_000);
    expect(total(records)).toBe(63_000_000);
    [state] = await collectors(s);
    expect(state.last_run).toMatchObject({ inserted: 1, updated: 1, unchanged: 2, error: null });

    // Nothing new: nothing changes.
    await alarmAt(s.tenant.id, T + 4 * HOUR);
    [state] = await collectors(s);
    expect(state.last_run).toMatchObject({ inserted: 0, updated: 0, unchanged: 4, error: null });
    expect(total(await ledger(s.tenant.id, "airbyte"))).toBe(63_000_000);
  });
});
