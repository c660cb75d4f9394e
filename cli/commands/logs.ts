import type { RunEvent, TaskLogChunk } from "../../api/schema";
import { parseCommand } from "../args";
import { loadConfig } from "../config";
import { ApiClient } from "../http";
import { EXIT, UsageError } from "../io";
import { Output } from "../output";
import { parseTimeout } from "../run-view";
import { isTerminalRun } from "../../worker/engine/states";
import type { Command } from "./types";

/** One event as a log line: when, which task (or the run), the change and why. */
export const eventLine = (e: RunEvent) => `${e.at}  ${(e.task ?? "(run)").padEnd(16)} ${e.from} → ${e.to}${e.reason ? `  ${e.reason}` : ""}`;

const PAGE = 1000;

/** The part of a log read so far, as lines: a partial last line waits for the rest when following. */
class LineBuffer {
  private pending = "";
  push(text: string, emit: (line: string) => void, flush = false) {
    const parts = (this.pending + text).split("\n");
    this.pending = parts.pop() ?? "";
    for (const line of parts) emit(line);
    if (flush && this.pending) {
      emit(this.pending);
      this.pending = "";
    }
  }
}

const READ = 256 * 1024;
/** How often --follow asks for more of a running attempt's log (Tutti fetches it from the tool every 15 s or so). */
const FOLLOW_EVERY_MS = 2000;

export const logs: Command = {
  name: "logs",
  summary: "The tools' own logs of a run's tasks (dbt Cloud steps, GitHub jobs, …), or its event log with --events; --follow while it runs",
  usage: "tutti logs <run-id> [task] [--attempt N] [--follow] [--events] [--timeout 1h] [--json]",
  details: [
    "Prints each task's tool log for its latest attempt (--attempt N for another), as Tutti stored it: dbt Cloud step logs,",
    "Databricks task output and error trace, GitHub Actions job logs, Airbyte attempt logs, the Snowflake statement's",
    "answer, the http tool's response body. With several tasks, each log comes under a `==> task (attempt N) <==` line.",
    "A log over 1 MiB keeps its tail; a line on stderr says so. A task whose tool left no log is named on stderr.",
    "--follow (one task) reads the log along until the attempt ends (exit 0) or --timeout (exit 3).",
    "--events prints the run's event log instead (GET /runs/{id}/events): every status change of the run and its tasks.",
    "--json prints one document: {run_id, items: [{task, attempt, source, size, dropped_bytes, truncated, complete, content}]}",
    "(with --events: {run_id, task, items: [{seq, at, task, from, to, reason}], next_after}).",
  ].join("\n"),
  async run(args, io) {
    const { values, positionals } = parseCommand(
      args,
      {
        follow: { type: "boolean", default: false },
        events: { type: "boolean", default: false },
        attempt: { type: "string" },
        timeout: { type: "string", default: "1h" },
      },
      { min: 1, max: 2, message: "name a run id, and at most one task" },
    );
    const timeoutMs = parseTimeout(values.timeout ?? "1h");
    const attempt = values.attempt === undefined ? undefined : Number(values.attempt);
    if (attempt !== undefined && (!Number.isInteger(attempt) || attempt < 1)) throw new UsageError("--attempt takes a whole number from 1");
    const out = new Output(io, values.json === true);
    const [runId, task] = positionals;
    const client = new ApiClient(loadConfig(io.env), io.fetch);

    const run = await client.call(client.api.GET("/runs/{id}", { params: { path: { id: runId } } }));
    if (!run.ok) return out.failure(runId, run.error);
    if (task !== undefined && !run.data.tasks.some((t) => t.key === task)) {
      const message = `run ${runId} has no task "${task}" (tasks: ${run.data.tasks.map((t) => t.key).join(", ")})`;
      return out.problem(`${runId}: not_found: ${message}`, { code: "not_found", message });
    }
    const deadline = Date.now() + timeoutMs;
    if (values.events) return eventLog(client, out, runId, task, { follow: values.follow === true, deadline, ended: isTerminalRun(run.data.status) });
    if (values.follow && task === undefined && run.data.tasks.length > 1) throw new UsageError("--follow reads one task's log: name the task");

    const tasks = run.data.tasks.filter((t) => task === undefined || t.key === task);
    const items: Array<Omit<TaskLogChunk, "offset" | "next_after" | "fetched_at">> = [];
    for (const t of tasks) {
      const n = attempt ?? t.attempt;
      const path = { id: runId, task: t.key, attempt: n };
      const header = () => tasks.length > 1 && out.progress(`==> ${t.key} (attempt ${n}) <==`);
      const lines = new LineBuffer();
      const print = (line: string) => out.progress(line);
      let after = 0;
      let content = "";
      let last: TaskLogChunk | null = null;
      let headed = false;
      let finalPass = false;
      for (;;) {
        const res = await client.call(client.api.GET("/runs/{id}/tasks/{task}/attempts/{attempt}/log", { params: { path, query: { after, limit: READ } } }));
        if (!res.ok && res.error.status !== 404) return out.failure(runId, res.error);
        if (res.ok) {
          last = res.data;
          if (!headed) {
            header();
            if (res.data.truncated)
              out.warn(`${t.key}: the log is over 1 MiB; Tutti kept its last part (the first ${res.data.dropped_bytes} bytes are not stored)`);
            headed = true;
          }
          content += res.data.content;
          lines.push(res.data.content, print);
          after = res.data.next_after;
          if (res.data.next_after < res.data.size) continue;
          if (!values.follow || res.data.complete) break;
        } else if (!values.follow) break;
        // Following: the attempt is still running, or has no log yet; the next fetch comes with a later poll.
        if (finalPass) break;
        if (Date.now() >= deadline) {
          lines.push("", print, true);
          out.result({ run_id: runId, items }, []);
          out.warn(`${runId}: still going after the timeout`);
          return EXIT.timeout;
        }
        await new Promise((r) => setTimeout(r, FOLLOW_EVERY_MS));
        // Once the run has ended, what its last fetch stored is read once more, and that is all there will be.
        const now = await client.call(client.api.GET("/runs/{id}", { params: { path: { id: runId } } }));
        if (!now.ok) return out.failure(runId, now.error);
        finalPass = isTerminalRun(now.data.status);
      }
      lines.push("", print, true);
      if (!last) {
        out.warn(`${t.key}: no log stored for attempt ${n} (the tool left none, or it is not fetched yet)`);
        continue;
      }
      const { offset: _o, next_after: _n, fetched_at: _f, ...info } = last;
      items.push({ ...info, content });
    }
    out.result({ run_id: runId, items }, []);
    return EXIT.ok;
  },
};

/** The run's event log (every status change, with the reason), or one task's part of it; --follow until the run ends. */
async function eventLog(
  client: ApiClient,
  out: Output,
  runId: string,
  task: string | undefined,
  opts: { follow: boolean; deadline: number; ended: boolean },
): Promise<number> {
  const items: RunEvent[] = [];
  let after = 0;
  let ended = opts.ended;
  for (;;) {
    // Waits only when following and the log so far is read; the API answers at once when the run has ended.
    const wait = opts.follow && !ended ? Math.max(0, Math.min(25, Math.floor((opts.deadline - Date.now()) / 1000))) : 0;
    const res = await client.call(client.api.GET("/runs/{id}/events", { params: { path: { id: runId }, query: { after, limit: PAGE, wait } } }));
    if (!res.ok) return out.failure(runId, res.error);
    for (const e of res.data.items) {
      if (task !== undefined && e.task !== task) continue;
      items.push(e);
      if (opts.follow) out.progress(eventLine(e));
    }
    after = res.data.next_after;
    if (res.data.items.length === PAGE) continue;
    if (!opts.follow || ended) break;
    if (Date.now() >= opts.deadline) {
      out.result({ run_id: runId, task: task ?? null, items, next_after: after }, []);
      out.warn(`${runId}: still going after the timeout`);
      return EXIT.timeout;
    }
    if (res.data.items.length) continue;
    // Nothing new: the run may have ended (its last events are written with its status, so one more read gets them).
    const now = await client.call(client.api.GET("/runs/{id}", { params: { path: { id: runId } } }));
    if (!now.ok) return out.failure(runId, now.error);
    ended = isTerminalRun(now.data.status);
  }
  out.result({ run_id: runId, task: task ?? null, items, next_after: after }, opts.follow ? [] : items.map(eventLine));
  return EXIT.ok;
}
