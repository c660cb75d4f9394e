import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backfillBound } from "../../cli/commands/backfill";
import { UsageError } from "../../cli/io";
import { startHttpToolFake, type HttpToolFake } from "../fakes/http-tool/server";
import { waitUntil } from "../e2e/helpers/processes";
import { cliWorkspace, settleRunsAfterAll, type CliWorkspace } from "./workspace";

const TOOL_TOKEN = "cli-control-token";

/** A task on the http-tool fake: `polls` status reads say "running", then the job ends as `outcome`. */
const task = (id: string, job: { polls: number; outcome?: string; message?: string }, dependsOn: string[] = []) => [
  `  - id: ${id}`,
  "    connector: http",
  "    connection: tool",
  "    poll_interval: 1s",
  ...(dependsOn.length ? [`    depends_on: [${dependsOn.join(", ")}]`] : []),
  "    with:",
  "      url: /jobs",
  `      body: ${JSON.stringify({ key: `{{run_id}}-${id}`, ...job })}`,
  "      external_id_path: $.id",
  "      completion:",
  "        mode: poll",
  "        status_url: /jobs/{{external_id}}",
  "        success: { path: $.status, equals: succeeded }",
  "        failure: { path: $.status, in: [failed, cancelled] }",
  "        message_path: $.message",
];

const pipeline = (name: string, team: string, tasks: string[][], extra: string[] = []) =>
  [`name: ${name}`, `team: ${team}`, "params: { day: '2026-01-01' }", ...extra, "tasks:", ...tasks.flat(), ""].join("\n");

const startedId = (line: string) => /(run_\w+)/.exec(line)![1];
const json = (r: { out: string[] }) => JSON.parse(r.out.join("\n"));

describe("tutti backfill bounds", () => {
  it("takes days (UTC; --to covers its whole day) or ISO date-times with an offset", () => {
    expect(backfillBound("2026-01-01", "from")).toBe("2026-01-01T00:00:00.000Z");
    expect(backfillBound("2026-01-31", "to")).toBe("2026-01-31T23:59:59.999Z");
    expect(backfillBound("2026-01-31T06:00:00+01:00", "to")).toBe("2026-01-31T06:00:00+01:00");
    expect(() => backfillBound("2026-01-31T06:00", "from")).toThrow(UsageError);
    expect(() => backfillBound("yesterday", "to")).toThrow(/--to must be a day/);
  });
});

describe("tutti cancel, retry, backfill and logs against a real Tutti", () => {
  let tool: HttpToolFake;
  let w: CliWorkspace;

  beforeAll(async () => {
    tool = await startHttpToolFake({ token: TOOL_TOKEN });
    w = await cliWorkspace("control");
    await w.owner.call("POST", "/connections", {
      team_id: w.owner.team.id,
      name: "tool",
      kind: "http",
      config: { base_url: tool.url },
      secrets: { bearer_token: TOOL_TOKEN },
    });
    const team = w.owner.team.slug;
    w.write("slow.yaml", pipeline("slow", team, [task("a", { polls: 1000 })]));
    w.write(
      "halfway.yaml",
      pipeline("halfway", team, [task("load", { polls: 1 }), task("check", { polls: 1, outcome: "failed", message: "bad rows" }, ["load"])]),
    );
    w.write("steps.yaml", pipeline("steps", team, [task("a", { polls: 2 })]));
    // Fires once a month, so the test server's own scheduler leaves it alone; backfills make its runs.
    w.write("monthly.yaml", pipeline("monthly", team, [task("a", { polls: 1 })], ["schedule: { cron: '0 6 1 * *', timezone: UTC }"]));
    w.write("monthly_slow.yaml", pipeline("monthly_slow", team, [task("a", { polls: 1000 })], ["schedule: { cron: '0 6 1 * *', timezone: UTC }"]));
    w.write(
      "monthly_failing.yaml",
      pipeline("monthly_failing", team, [task("a", { polls: 1, outcome: "failed", message: "no data" })], ["schedule: { cron: '0 6 1 * *', timezone: UTC }"]),
    );
    const pushed = await w.run(["push", "slow.yaml", "halfway.yaml", "steps.yaml", "monthly.yaml", "monthly_slow.yaml", "monthly_failing.yaml"]);
    expect(pushed.code, pushed.err.join("\n")).toBe(0);
  });
  settleRunsAfterAll(() => [w]);
  afterAll(async () => {
    await tool?.close();
  });

  it("pools lists each pool's use of its size and the tasks waiting, in text and JSON", async () => {
    await w.owner.call("POST", "/pools", { name: "cli-warehouse", slots: 3 });
    const listed = await w.run(["pools"]);
    expect(listed.code, listed.err.join("\n")).toBe(0);
    expect(listed.out).toContainEqual(expect.stringMatching(/^cli-warehouse\s+0\/3 in use\s+0 waiting$/));
    const asJson = await w.run(["pools", "--json"]);
    expect(json(asJson).items).toContainEqual(expect.objectContaining({ name: "cli-warehouse", slots: 3, in_use: 0, waiting: 0 }));

    const shown = await w.run(["pools", "show", "cli-warehouse"]);
    expect(shown.code, shown.err.join("\n")).toBe(0);
    expect(shown.out).toEqual(["cli-warehouse: 0/3 in use, 0 waiting"]);
    expect(json(await w.run(["pools", "show", "cli-warehouse", "--json"]))).toMatchObject({ name: "cli-warehouse", slots: 3, holders: [], waiters: [] });
    const unknown = await w.run(["pools", "show", "no-such-pool"]);
    expect(unknown.code).toBe(1);
    expect(unknown.err[0]).toMatch(/^no-such-pool: not_found/);
    expect((await w.run(["pools", "show"])).code).toBe(2);
  });

  it("cancel stops a running run and exits 0; cancelling it again is a conflict (exit 1), in JSON too", async () => {
    const started = await w.run(["run", "slow"]);
    const runId = startedId(started.out[0]);
    const cancelled = await w.run(["cancel", runId]);
    expect(cancelled.code, cancelled.err.join("\n")).toBe(0);
    expect(cancelled.out[0]).toMatch(new RegExp(`^slow ${runId}: cancelled in \\d+\\.\\ds$`));
    expect((await w.owner.call("GET", `/runs/${runId}`)).status).toBe("cancelled");

    const again = await w.run(["cancel", runId, "--json"]);
    expect(again.code).toBe(1);
    expect(json(again)).toEqual({ error: expect.objectContaining({ code: "conflict", status: 409, message: "run is already cancelled" }) });
    expect(again.err[0]).toMatch(new RegExp(`^${runId}: conflict: run is already cancelled \\(request \\S+\\)$`));

    const other = await w.run(["run", "slow", "--json"]);
    const otherId = json(other).id;
    const viaJson = await w.run(["cancel", otherId, "--json"]);
    expect(viaJson.code).toBe(0);
    expect(json(viaJson)).toMatchObject({ id: otherId, status: "cancelled", tasks: [{ key: "a", status: "cancelled" }] });
    expect((await w.run(["cancel", "run_nope"])).code).toBe(1);
    expect((await w.run(["cancel"])).code).toBe(2);
  });

  it("retry --from-failure re-runs only the failed task of the same run; retry without it starts a new run with the same params", async () => {
    const failed = await w.run(["run", "halfway", "--param", "day=2026-11-24", "--wait"]);
    expect(failed.code).toBe(1);
    const runId = startedId(failed.out[0]);

    const inPlace = await w.run(["retry", runId, "--from-failure", "--wait", "--json"]);
    expect(inPlace.code).toBe(1);
    expect(inPlace.err[0]).toBe(`retrying halfway ${runId} from failure (attempt 2)`);
    const retried = json(inPlace);
    expect(retried).toMatchObject({ id: runId, status: "failed", attempt: 2 });
    const byKey = Object.fromEntries(retried.tasks.map((t: { key: string; status: string; attempt: number }) => [t.key, [t.status, t.attempt]]));
    expect(byKey).toEqual({ load: ["succeeded", 1], check: ["failed", 2] });

    const fresh = await w.run(["retry", runId]);
    expect(fresh.code, fresh.err.join("\n")).toBe(0);
    expect(fresh.out[0]).toMatch(new RegExp(`^started halfway (run_\\w+) \\(\\w+\\), a new run of ${runId}$`));
    const newId = startedId(fresh.out[0]);
    expect(newId).not.toBe(runId);
    expect(await w.owner.call("GET", `/runs/${newId}`)).toMatchObject({ params: { day: "2026-11-24" }, attempt: 1 });
    const followed = await w.run(["status", newId, "--wait"]);
    expect(followed.code).toBe(1);

    // A run that succeeded has nothing to retry from.
    const ok = await w.run(["run", "steps", "--wait"]);
    const okId = startedId(ok.out[0]);
    const refused = await w.run(["retry", okId, "--from-failure"]);
    expect(refused.code).toBe(1);
    expect(refused.err[0]).toMatch(new RegExp(`^${okId}: conflict: `));
  });

  it("backfill starts one run per schedule slot and --wait follows them all to the end", async () => {
    const r = await w.run(["backfill", "monthly", "--from", "2026-01-01", "--to", "2026-03-31", "--parallelism", "2", "--param", "day=bf", "--wait"]);
    expect(r.code, r.err.join("\n")).toBe(0);
    const head = /^backfill (bf_\w+) of monthly: 3 runs \(2026-01-01T06:00:00\.000Z … 2026-03-01T06:00:00\.000Z\), 2 at a time$/.exec(r.out[0]);
    expect(head, r.out[0]).not.toBeNull();
    const backfillId = head![1];
    expect(r.out.at(-1)).toBe(`backfill ${backfillId}: 3/3 ended: 3 succeeded`);
    const runs = (await w.owner.call("GET", `/runs?backfill_id=${backfillId}`)).items;
    expect(runs.map((x: { status: string; params: { day: string } }) => [x.status, x.params.day])).toEqual(Array(3).fill(["succeeded", "bf"]));

    // `runs --backfill` lists them later; --json gives the backfill with its slots.
    const listed = await w.run(["runs", "--backfill", backfillId, "--json"]);
    expect(json(listed).items).toHaveLength(3);
    const noWait = await w.run(["backfill", "monthly", "--from", "2025-01-01", "--to", "2025-01-01", "--json"]);
    expect(noWait.code).toBe(0);
    expect(json(noWait)).toMatchObject({ pipeline: "monthly", slots: ["2025-01-01T06:00:00.000Z"], run_ids: [expect.stringMatching(/^run_/)], parallelism: 2 });
  });

  it("backfill refuses a bad range on the command line (exit 2) and a pipeline without a schedule at the API (exit 1)", async () => {
    expect((await w.run(["backfill", "monthly", "--from", "2026-01-01"])).code).toBe(2);
    expect((await w.run(["backfill", "monthly", "--from", "Jan 1", "--to", "2026-01-02"])).code).toBe(2);
    expect((await w.run(["backfill", "monthly", "--from", "2026-01-01", "--to", "2026-01-02", "--parallelism", "0"])).code).toBe(2);
    const backwards = await w.run(["backfill", "monthly", "--from", "2026-02-01", "--to", "2026-01-01", "--json"]);
    expect(backwards.code).toBe(1);
    expect(json(backwards).error).toMatchObject({ code: "validation_failed", details: [{ path: "to", message: "must not be before from" }] });
    const unscheduled = await w.run(["backfill", "steps", "--from", "2026-01-01", "--to", "2026-01-02"]);
    expect(unscheduled.code).toBe(1);
    expect(unscheduled.err.join("\n")).toMatch(/has no schedule/);
  });

  it("backfill list, status, pause, resume and cancel manage a backfill by its id; a repeat changes nothing, resuming a cancelled one exits 1", async () => {
    const made = json(await w.run(["backfill", "monthly_slow", "--from", "2026-01-01", "--to", "2026-03-31", "--parallelism", "1", "--json"]));
    const id = made.id as string;

    const paused = await w.run(["backfill", "pause", id]);
    expect(paused.code, paused.err.join("\n")).toBe(0);
    expect(paused.out[0]).toMatch(
      new RegExp(`^backfill ${id} of monthly_slow: paused, 3 slots: 0 succeeded, (1 running, 2 pending|3 pending) \\(1 at a time\\)$`),
    );
    expect(paused.out.slice(1).map((l) => l.slice(0, 26))).toEqual(["  2026-01-01T06:00:00.000Z", "  2026-02-01T06:00:00.000Z", "  2026-03-01T06:00:00.000Z"]);
    const again = await w.run(["backfill", "pause", id, "--json"]);
    expect(again.code).toBe(0);
    expect(json(again)).toMatchObject({ id, state: "paused", control: "paused", slots: { total: 3 } });

    const listed = await w.run(["backfill", "list", "--pipeline", "monthly_slow", "--status", "paused", "--json"]);
    expect(listed.code).toBe(0);
    expect(json(listed)).toMatchObject({ items: [{ id, state: "paused", pipeline: { name: "monthly_slow" } }], next_cursor: null });
    const human = await w.run(["backfill", "list", "--pipeline", "monthly_slow"]);
    expect(human.out).toEqual([expect.stringMatching(new RegExp(`^backfill ${id} of monthly_slow: paused, 3 slots`))]);

    const status = json(await w.run(["backfill", "status", id, "--json"]));
    expect(status.slot_runs).toHaveLength(3);

    const cancelled = await w.run(["backfill", "cancel", id]);
    expect(cancelled.code, cancelled.err.join("\n")).toBe(0);
    expect(cancelled.out[0]).toMatch(new RegExp(`^backfill ${id} of monthly_slow: cancelled, 3 slots: 0 succeeded, 3 cancelled \\(1 at a time\\)$`));
    expect((await w.run(["backfill", "cancel", id])).code).toBe(0);
    const resumed = await w.run(["backfill", "resume", id, "--json"]);
    expect(resumed.code).toBe(1);
    expect(json(resumed)).toEqual({ error: expect.objectContaining({ code: "conflict", status: 409, message: "backfill is cancelled" }) });
    expect(resumed.err[0]).toMatch(new RegExp(`^${id}: conflict: backfill is cancelled \\(request \\S+\\)$`));

    expect((await w.run(["backfill", "status", "bf_nope"])).code).toBe(1);
    expect((await w.run(["backfill", "pause"])).code).toBe(2);
    expect((await w.run(["backfill", "list", "--limit", "0"])).code).toBe(2);
  });

  it("backfill retry starts a new run for each failed slot only; with none failed it exits 1", async () => {
    const failed = await w.run(["backfill", "monthly_failing", "--from", "2026-01-01", "--to", "2026-02-28", "--wait"]);
    expect(failed.code).toBe(1);
    const id = /^backfill (bf_\w+)/.exec(failed.out[0])![1];
    expect(failed.out.at(-1)).toMatch(/failed/);

    const retried = await w.run(["backfill", "retry", id, "--json"]);
    expect(retried.code, retried.err.join("\n")).toBe(0);
    expect(json(retried)).toMatchObject({ id, state: "running", slots: { total: 2, failed: 0 } });
    await waitUntil(async () => (await w.owner.call("GET", `/backfills/${id}`)).state === "failed", {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: "the retried slots to end",
    });
    const after = json(await w.run(["backfill", "status", id, "--json"]));
    expect(after.slot_runs.map((r: { runs: number; status: string }) => [r.runs, r.status])).toEqual([
      [2, "failed"],
      [2, "failed"],
    ]);

    const made = json(await w.run(["backfill", "monthly", "--from", "2025-06-01", "--to", "2025-06-30", "--json"]));
    await waitUntil(async () => (await w.owner.call("GET", `/backfills/${made.id}`)).state === "succeeded", {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: "the backfill to end",
    });
    const nothing = await w.run(["backfill", "retry", made.id]);
    expect(nothing.code).toBe(1);
    expect(nothing.err[0]).toContain("backfill is succeeded and has no failed slots to retry");
  });

  it("logs prints a task's tool log (here the http tool's answers), or JSON; an unknown task exits 1", async () => {
    const done = await w.run(["run", "steps", "--wait"]);
    const runId = startedId(done.out[0]);
    const log = await w.run(["logs", runId, "a"]);
    expect(log.code, log.err.join("\n")).toBe(0);
    expect(log.out[0]).toBe("===== POST /jobs (trigger response) =====");
    // The status request as it was sent: the tool's job id in the path, not the spec's placeholder.
    expect(log.out.filter((l) => /^===== GET \/jobs\/[^{}\s]+ → HTTP 200 =====$/.test(l))).toHaveLength(1);
    expect(log.out.some((l) => l.includes('"status":"succeeded"'))).toBe(true);

    const doc = json(await w.run(["logs", runId, "--json"]));
    expect(doc.run_id).toBe(runId);
    expect(doc.items).toEqual([
      expect.objectContaining({ task: "a", attempt: 1, source: "http", truncated: false, complete: true, content: `${log.out.join("\n")}\n` }),
    ]);
    const missing = await w.run(["logs", runId, "nope"]);
    expect(missing.code).toBe(1);
    expect(missing.err.join("\n")).toContain('has no task "nope"');
    const noAttempt = await w.run(["logs", runId, "a", "--attempt", "2"]);
    expect(noAttempt.code).toBe(0);
    expect(noAttempt.err).toContain("a: no log stored for attempt 2 (the tool left none, or it is not fetched yet)");
    const badAttempt = await w.run(["logs", runId, "a", "--attempt", "0"]);
    expect(badAttempt.code).toBe(2);

    const live = startedId((await w.run(["run", "steps"])).out[0]);
    const followed = await w.run(["logs", live, "a", "--follow"]);
    expect(followed.code, followed.err.join("\n")).toBe(0);
    expect(followed.out.some((l) => l.includes('"status":"succeeded"'))).toBe(true);
  });

  it("logs --events prints the run's event log, one task's part of it, or JSON; --follow reads along until the run ends", async () => {
    const done = await w.run(["run", "steps", "--wait"]);
    const runId = startedId(done.out[0]);
    const log = await w.run(["logs", runId, "--events"]);
    expect(log.code, log.err.join("\n")).toBe(0);
    expect(log.out[0]).toMatch(/^\S+Z {2}\(run\) +none → queued {2}triggered \(api\)$/);
    expect(log.out.some((l) => /Z {2}a +running → succeeded/.test(l))).toBe(true);
    expect(log.out.at(-1)).toMatch(/\(run\) +running → succeeded/);

    const taskOnly = await w.run(["logs", runId, "a", "--events", "--json"]);
    const doc = json(taskOnly);
    expect(doc).toMatchObject({ run_id: runId, task: "a" });
    expect(doc.items.length).toBeGreaterThan(1);
    expect(doc.items.every((e: { task: string }) => e.task === "a")).toBe(true);
    expect(doc.items.at(-1)).toMatchObject({ from: "running", to: "succeeded" });
    const missing = await w.run(["logs", runId, "nope", "--events", "--json"]);
    expect(missing.code).toBe(1);
    expect(json(missing).error).toMatchObject({ code: "not_found", message: expect.stringContaining('has no task "nope"') });

    const started = await w.run(["run", "steps"]);
    const liveId = startedId(started.out[0]);
    const followed = await w.run(["logs", liveId, "--events", "--follow"]);
    expect(followed.code, followed.err.join("\n")).toBe(0);
    expect(followed.out.at(-1)).toMatch(/\(run\) +running → succeeded/);
    expect((await w.owner.call("GET", `/runs/${liveId}`)).status).toBe("succeeded");

    const slow = await w.run(["run", "slow"]);
    const slowId = startedId(slow.out[0]);
    const gaveUp = await w.run(["logs", slowId, "--events", "--follow", "--timeout", "2s"]);
    expect(gaveUp.code).toBe(3);
    expect(gaveUp.err).toContain(`${slowId}: still going after the timeout`);
    await w.owner.call("POST", `/runs/${slowId}/cancel`, {});
  });
});
