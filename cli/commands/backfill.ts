import type { Backfill, Run } from "../../api/schema";
import { parseCommand, required } from "../args";
import { loadConfig } from "../config";
import { ApiClient, type ApiFailure } from "../http";
import { EXIT, UsageError, type CliIO } from "../io";
import { Output } from "../output";
import { parseParams, parseTimeout, waitOptions } from "../run-view";
import { isTerminalRun } from "../../worker/engine/states";
import { isManageVerb, manageBackfill } from "./backfill-manage";
import type { Command } from "./types";

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * `--from`/`--to` as the API takes them: a full ISO date-time with its offset, or a day (UTC). A day given as `--to`
 * means its whole day, so `--from 2026-01-01 --to 2026-01-31` covers every slot in January.
 */
export function backfillBound(text: string, flag: "from" | "to"): string {
  const iso = DAY.test(text) ? `${text}T${flag === "from" ? "00:00:00.000" : "23:59:59.999"}Z` : text;
  if (!/(Z|[+-]\d{2}:\d{2})$/i.test(iso) || Number.isNaN(Date.parse(iso))) {
    throw new UsageError(`--${flag} must be a day (2026-01-31) or an ISO date-time with its offset (2026-01-31T06:00:00Z), got "${text}"`);
  }
  return iso;
}

/** Every run of the backfill, paging through the list (a backfill has up to 1000). */
async function backfillRuns(client: ApiClient, backfillId: string): Promise<{ ok: true; runs: Run[] } | { ok: false; error: ApiFailure }> {
  const runs: Run[] = [];
  let cursor: string | undefined;
  do {
    const res = await client.call(client.api.GET("/runs", { params: { query: { backfill_id: backfillId, limit: 200, ...(cursor ? { cursor } : {}) } } }));
    if (!res.ok) return res;
    runs.push(...res.data.items);
    cursor = res.data.next_cursor ?? undefined;
  } while (cursor);
  return { ok: true, runs };
}

const countLine = (runs: Run[]) => {
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const ended = runs.filter((r) => isTerminalRun(r.status)).length;
  return `  ${ended}/${runs.length} ended: ${[...counts].map(([s, n]) => `${n} ${s}`).join(", ")}`;
};

/**
 * Follows every run of the backfill until all have ended or the timeout: long-polls one unfinished run (a running
 * one first, as it ends soonest) and lists the runs again when it ends, so nothing polls on a fixed clock.
 */
async function followBackfill(client: ApiClient, out: Output, backfillId: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    const listed = await backfillRuns(client, backfillId);
    if (!listed.ok) return listed;
    const line = countLine(listed.runs);
    if (line !== last) out.progress(line);
    last = line;
    const open = listed.runs.filter((r) => !isTerminalRun(r.status));
    if (!open.length || Date.now() >= deadline) return { ok: true as const, runs: listed.runs, ended: !open.length };
    const next = open.find((r) => r.status === "running") ?? open[open.length - 1];
    const wait = Math.max(0, Math.min(30, Math.floor((deadline - Date.now()) / 1000)));
    const res = await client.call(client.api.GET("/runs/{id}", { params: { path: { id: next.id }, query: { wait } } }));
    if (!res.ok) return res;
  }
}

export const backfill: Command = {
  name: "backfill",
  summary: "Start one run per schedule slot between two dates (--wait follows them); list, follow, pause, resume, cancel or retry backfills",
  usage: [
    "tutti backfill <pipeline> --from DAY|DATETIME --to DAY|DATETIME [--parallelism 2] [--param key=value]… [--wait] [--timeout 1h] [--json]",
    "       tutti backfill list [--pipeline NAME] [--status running,paused,succeeded,failed,cancelled] [--limit 20] [--json]",
    "       tutti backfill status|pause|resume|cancel|retry <backfill-id> [--json]",
  ].join("\n"),
  details: [
    "Days are UTC; --to a day includes that whole day. At most 366 days and 1000 slots; `--parallelism` runs at a time (1–50).",
    "`status` shows a backfill's state and each slot's latest run; `pause` holds its queued slots (running ones finish), `resume` starts them again;",
    "`cancel` cancels its running slots and starts no more; `retry` starts a new run for each failed slot, within the parallelism.",
    "Pausing a paused backfill or cancelling a cancelled one changes nothing (exit 0); resuming a cancelled one is a conflict (exit 1).",
    "A pipeline named like one of these words is backfilled with `tutti backfill create <pipeline> …`.",
    "List a backfill's runs with `tutti runs --backfill <id>`.",
    "Exit codes: 0 started (with --wait: every run succeeded), 1 a run did not succeed or Tutti refused, 3 --wait gave up at --timeout.",
    "--json prints the backfill {id, pipeline, slots, run_ids, parallelism}; with --wait also `runs`, as they ended.",
    "`list --json` prints {items, next_cursor}; the other verbs print the backfill {id, state, slots, slot_runs, …}.",
  ].join("\n"),
  async run(args, io) {
    if (isManageVerb(args[0])) return manageBackfill(args[0], args.slice(1), io);
    return startBackfill(args[0] === "create" ? args.slice(1) : args, io);
  },
};

/** `tutti backfill <pipeline> --from … --to …`: makes the backfill, and with --wait follows its runs to the end. */
async function startBackfill(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    {
      from: { type: "string" },
      to: { type: "string" },
      parallelism: { type: "string" },
      param: { type: "string", multiple: true, short: "p" },
      ...waitOptions,
    },
    { min: 1, max: 1, message: "name exactly one pipeline" },
  );
  const from = backfillBound(required(values.from, "from"), "from");
  const to = backfillBound(required(values.to, "to"), "to");
  const parallelism = values.parallelism === undefined ? undefined : Number(values.parallelism);
  if (parallelism !== undefined && !(Number.isInteger(parallelism) && parallelism >= 1 && parallelism <= 50)) {
    throw new UsageError("--parallelism must be a whole number from 1 to 50");
  }
  const params = parseParams(values.param ?? []);
  const timeoutMs = parseTimeout(values.timeout ?? "1h");
  const out = new Output(io, values.json === true);
  const pipeline = positionals[0];
  const client = new ApiClient(loadConfig(io.env), io.fetch);

  const res = await client.call(
    client.api.POST("/pipelines/{name}/backfills", {
      params: { path: { name: pipeline } },
      body: { from, to, params, ...(parallelism ? { parallelism } : {}) },
    }),
  );
  if (!res.ok) return out.failure(pipeline, res.error);
  const b: Backfill = res.data;
  const span = b.slots.length ? ` (${b.slots[0]} … ${b.slots[b.slots.length - 1]})` : "";
  const started = `backfill ${b.id} of ${b.pipeline}: ${b.slots.length} run${b.slots.length === 1 ? "" : "s"}${span}, ${b.parallelism} at a time`;
  if (!values.wait) {
    out.result(b, [started]);
    return EXIT.ok;
  }
  out.progress(started);
  const followed = await followBackfill(client, out, b.id, timeoutMs);
  if (!followed.ok) return out.failure(b.id, followed.error);
  const notSucceeded = followed.runs.filter((r) => isTerminalRun(r.status) && r.status !== "succeeded");
  const lines = notSucceeded.map((r) => `  ${r.status.padEnd(10)} ${r.logical_at ?? ""} ${r.id}`);
  out.result({ ...b, runs: followed.runs }, [`backfill ${b.id}: ${countLine(followed.runs).trim()}`, ...lines]);
  if (!followed.ended) {
    out.warn(`${b.id}: runs still going after the timeout; the backfill goes on`);
    return EXIT.timeout;
  }
  return notSucceeded.length ? EXIT.failed : EXIT.ok;
}
