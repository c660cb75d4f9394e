import type { CreateRunRequest, RunDetail } from "../../api/schema";
import { parseCommand } from "../args";
import { loadConfig } from "../config";
import { ApiClient } from "../http";
import { Output } from "../output";
import { parseTimeout, startedRun, waitOptions } from "../run-view";
import { actionsIdempotencyKey } from "./run";
import type { Command } from "./types";

/** A finished run's CI context, as a new run takes it (the API answers nulls for what it does not know). */
function ciOf(run: RunDetail): CreateRunRequest["ci"] {
  if (!run.ci) return undefined;
  const entries = Object.entries(run.ci).filter(([, v]) => v !== null);
  return entries.length ? Object.fromEntries(entries) : undefined;
}

export const retry: Command = {
  name: "retry",
  summary: "Run a run again: as a new run with its params and environment, or in place from its failed tasks (--from-failure)",
  usage: "tutti retry <run-id> [--from-failure] [--wait] [--timeout 1h] [--idempotency-key KEY] [--json]",
  details: [
    "Without --from-failure: a new run of the pipeline's current version (in the run's environment) with the run's params.",
    "With --from-failure: the same run again, re-running only its failed, skipped and cancelled tasks (succeeded ones are",
    "kept); the run must have failed, been cancelled or timed out. --wait and the exit codes are those of `tutti run`.",
    "--json prints the run (after --wait, as it ended).",
  ].join("\n"),
  async run(args, io) {
    const { values, positionals } = parseCommand(
      args,
      { "from-failure": { type: "boolean", default: false }, "idempotency-key": { type: "string" }, ...waitOptions },
      { min: 1, max: 1, message: "name exactly one run id" },
    );
    const timeoutMs = parseTimeout(values.timeout ?? "1h");
    const out = new Output(io, values.json === true);
    const runId = positionals[0];
    const client = new ApiClient(loadConfig(io.env), io.fetch);

    let started: RunDetail;
    let line: string;
    if (values["from-failure"]) {
      const res = await client.call(client.api.POST("/runs/{id}/retry", { params: { path: { id: runId } } }));
      if (!res.ok) return out.failure(runId, res.error);
      started = res.data;
      line = `retrying ${started.pipeline.name} ${started.id} from failure (attempt ${started.attempt})`;
    } else {
      const original = await client.call(client.api.GET("/runs/{id}", { params: { path: { id: runId } } }));
      if (!original.ok) return out.failure(runId, original.error);
      const o = original.data;
      const key = values["idempotency-key"] ?? actionsIdempotencyKey(io.env, `retry-${runId}`);
      const ci = ciOf(o);
      const res = await client.call(
        client.api.POST("/pipelines/{name}/runs", {
          params: { path: { name: o.pipeline.name } },
          body: { params: o.params, ...(o.environment !== "prod" ? { environment: o.environment } : {}), ...(ci ? { ci } : {}) },
          headers: key ? { "idempotency-key": key } : {},
        }),
      );
      if (!res.ok) return out.failure(o.pipeline.name, res.error);
      started = res.data;
      line = `started ${started.pipeline.name} ${started.id} (${started.status}), a new run of ${runId}`;
    }
    return startedRun(client, out, started, line, values.wait === true, timeoutMs);
  },
};
