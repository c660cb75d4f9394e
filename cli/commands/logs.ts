import type { RunEvent } from "../../api/schema";
import { parseCommand } from "../args";
import { loadConfig } from "../config";
import { ApiClient } from "../http";
import { EXIT } from "../io";
import { Output } from "../output";
import { parseTimeout } from "../run-view";
import { isTerminalRun } from "../../worker/engine/states";
import type { Command } from "./types";

/** One event as a log line: when, which task (or the run), the change and why. */
export const eventLine = (e: RunEvent) => `${e.at}  ${(e.task ?? "(run)").padEnd(16)} ${e.from} → ${e.to}${e.reason ? `  ${e.reason}` : ""}`;

const PAGE = 1000;

export const logs: Command = {
  name: "logs",
  summary: "A run's event log: every status change of the run and its tasks, with the reason; --follow until the run ends",
  usage: "tutti logs <run-id> [task] [--follow] [--timeout 1h] [--json]",
  details: [
    "Prints the run's event log (GET /runs/{id}/events), or one task's part of it. The tools' own job logs are not",
    "collected yet and come with a later change; each task's page at its tool is in `tutti status <run-id>`.",
    "--follow long-polls for new events until the run ends (exit 0) or --timeout (exit 3).",
    "--json prints one document, {run_id, task, items: [{seq, at, task, from, to, reason}], next_after}, once the log is read.",
  ].join("\n"),
  async run(args, io) {
    const { values, positionals } = parseCommand(
      args,
      { follow: { type: "boolean", default: false }, timeout: { type: "string", default: "1h" } },
      { min: 1, max: 2, message: "name a run id, and at most one task" },
    );
    const timeoutMs = parseTimeout(values.timeout ?? "1h");
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
    const items: RunEvent[] = [];
    let after = 0;
    let ended = isTerminalRun(run.data.status);
    for (;;) {
      // Waits only when following and the log so far is read; the API answers at once when the run has ended.
      const wait = values.follow && !ended ? Math.max(0, Math.min(25, Math.floor((deadline - Date.now()) / 1000))) : 0;
      const res = await client.call(client.api.GET("/runs/{id}/events", { params: { path: { id: runId }, query: { after, limit: PAGE, wait } } }));
      if (!res.ok) return out.failure(runId, res.error);
      for (const e of res.data.items) {
        if (task !== undefined && e.task !== task) continue;
        items.push(e);
        if (values.follow) out.progress(eventLine(e));
      }
      after = res.data.next_after;
      if (res.data.items.length === PAGE) continue;
      if (!values.follow || ended) break;
      if (Date.now() >= deadline) {
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
    out.result({ run_id: runId, task: task ?? null, items, next_after: after }, values.follow ? [] : items.map(eventLine));
    return EXIT.ok;
  },
};
