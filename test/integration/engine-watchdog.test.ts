import { createScheduledController, env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ENGINE_TENANTS_SQL } from "../../worker/db/repo/platform/engine-tenants";
import { tenantRuns } from "../../worker/durable/client";
import { unwrap } from "../../worker/durable/result";
import { RunStore } from "../../worker/durable/storage";
import { TenantRuns } from "../../worker/durable/tenant-runs";
import worker from "../../worker/index";
import { wallNow } from "../../worker/lib/time";
import { api } from "../helpers/api";
import { isTerminal, setEngineTime, waitForRun } from "../helpers/engine";
import { pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";
import { drain } from "../helpers/wait";

/** The runtime's alarm for the tenant's engine object (wall-clock ms), or null. */
const alarmOf = (tenantId: string) => runInDurableObject(tenantRuns(env, tenantId), (_i, state) => state.storage.getAlarm());

/** What a lost alarm looks like from inside: work in the tables, no alarm coming. */
const loseAlarm = (tenantId: string) => runInDurableObject(tenantRuns(env, tenantId), (_i, state) => state.storage.deleteAlarm());

const watchdogTick = () => worker.scheduled!(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), env);

describe("a run engine whose alarm was lost", () => {
  it("moves again after the minute watchdog visits once its work is overdue past the grace, and not before", async () => {
    const { s, team } = await setupTenant();
    const tenantId = s.tenant.id;
    await pushPipeline(s, { name: "polled", team: team.slug, tasks: [toolTask("sync", { polls: 2 }, { poll_interval: "1s" })] });
    const run = (await api("/pipelines/polled/runs", { as: s, body: {} })).json as { id: string };
    await waitForRun(s, run.id, (r) => r.tasks[0].status === "triggered");
    await loseAlarm(tenantId);

    // The poll is 10 s late: within the grace (60 s), an alarm may just be slow. The watchdog leaves it alone.
    await setEngineTime(tenantId, Date.now() + 10_000);
    await watchdogTick();
    expect(unwrap(await tenantRuns(env, tenantId).wake(tenantId))).toEqual({ revived: false });
    expect(await alarmOf(tenantId)).toBeNull();
    await drain();
    expect((await waitForRun(s, run.id, () => true)).tasks[0].status).toBe("triggered");

    // 90 s late: no alarm is coming. The watchdog sets one, and the run finishes from there on its own alarms.
    await setEngineTime(tenantId, Date.now() + 90_000);
    await watchdogTick();
    const done = await waitForRun(s, run.id, isTerminal);
    expect(done.status).toBe("succeeded");
  });

  it("is re-armed when its object starts again with overdue work, as after a crash", async () => {
    const tenantId = `t_watchdog_${crypto.randomUUID()}`;
    const stub = tenantRuns(env, tenantId);
    const armed = await runInDurableObject(stub, async (_i, state) => {
      const store = new RunStore(state.storage.sql);
      store.checkTenant(tenantId);
      // Housekeeping is a timer with no effect outside the object; due two minutes ago, and no alarm.
      store.setTimer("housekeeping", Date.now() - 120_000, { type: "housekeeping" }, null);
      await state.storage.deleteAlarm();
      const before = await state.storage.getAlarm();
      new TenantRuns(state, env);
      // Blocks run one after another: this one ends after the constructor's check has.
      await state.blockConcurrencyWhile(async () => {});
      return { before, after: await state.storage.getAlarm() };
    });
    expect(armed.before).toBeNull();
    expect(armed.after).not.toBeNull();
  });

  it("an object with nothing overdue is left as it is", async () => {
    const tenantId = `t_watchdog_${crypto.randomUUID()}`;
    const stub = tenantRuns(env, tenantId);
    await runInDurableObject(stub, async (_i, state) => {
      const store = new RunStore(state.storage.sql);
      store.checkTenant(tenantId);
      store.setTimer("housekeeping", Date.now() + 3_600_000, { type: "housekeeping" }, null);
      await state.storage.deleteAlarm();
    });
    expect(unwrap(await stub.wake(tenantId))).toEqual({ revived: false });
    // Not set for now: any alarm there is (the visit also gives the tenant its retention timer, a minute out) is for later work.
    // Alarms are set in the machine's real time, which a pinned run (npm run test:at) does not shift.
    const alarm = await alarmOf(tenantId);
    expect(alarm === null || alarm > wallNow() + 30_000).toBe(true);
  });

  it("the watchdog finds its tenants through partial indexes, not by scanning every run and pipeline", async () => {
    const plan = (await env.DB.prepare(`EXPLAIN QUERY PLAN ${ENGINE_TENANTS_SQL}`).all<{ detail: string }>()).results.map((r) => r.detail);
    const reads = plan.filter((d) => /\b(runs|pipelines)\b/.test(d));
    expect(reads).toEqual([expect.stringContaining("INDEX runs_unfinished"), expect.stringContaining("INDEX pipelines_scheduled")]);
  });
});
