import { parseCommand } from "../args";
import { loadConfig } from "../config";
import { ciRunContext } from "../github";
import { ApiClient } from "../http";
import { Output } from "../output";
import { parseParams, parseTimeout, startedRun, waitOptions } from "../run-view";
import { defaultEnvironment } from "./push";
import type { Command } from "./types";

export interface RunArgs {
  pipeline: string;
  params: Record<string, unknown>;
  env: string | null;
  wait: boolean;
  timeoutMs: number;
  idempotencyKey: string | undefined;
  json: boolean;
}

export function parseRunArgs(args: string[]): RunArgs {
  const { values, positionals } = parseCommand(
    args,
    { param: { type: "string", multiple: true, short: "p" }, env: { type: "string" }, "idempotency-key": { type: "string" }, ...waitOptions },
    { min: 1, max: 1, message: "name exactly one pipeline" },
  );
  return {
    pipeline: positionals[0],
    params: parseParams(values.param ?? []),
    env: values.env ?? null,
    wait: values.wait === true,
    timeoutMs: parseTimeout(values.timeout ?? "1h"),
    idempotencyKey: values["idempotency-key"],
    json: values.json === true,
  };
}

/**
 * The Idempotency-Key a GitHub Actions step sends when none is given: one per workflow run attempt and purpose, so a
 * step run again answers with the run it started the first time instead of starting a second one.
 */
export const actionsIdempotencyKey = (env: Record<string, string | undefined>, purpose: string) =>
  env.GITHUB_RUN_ID ? `gha-${env.GITHUB_RUN_ID}-${env.GITHUB_RUN_ATTEMPT ?? "1"}-${purpose}` : undefined;

export const run: Command = {
  name: "run",
  summary: "Start a run of a pipeline; with --wait, follow it and exit with its result",
  usage: "tutti run <pipeline> [--param key=value]… [--env ci] [--wait] [--timeout 1h] [--idempotency-key KEY] [--json]",
  async run(args, io) {
    const a = parseRunArgs(args);
    const out = new Output(io, a.json);
    const client = new ApiClient(loadConfig(io.env), io.fetch);
    const environment = a.env ?? (await defaultEnvironment(io.env, io.readFile));
    const key = a.idempotencyKey ?? actionsIdempotencyKey(io.env, environment === "prod" ? a.pipeline : `${a.pipeline}-${environment}`);
    const ci = environment !== "prod" ? await ciRunContext(io) : undefined;
    const res = await client.call(
      client.api.POST("/pipelines/{name}/runs", {
        params: { path: { name: a.pipeline } },
        body: { params: a.params, ...(environment !== "prod" ? { environment } : {}), ...(ci ? { ci } : {}) },
        headers: key ? { "idempotency-key": key } : {},
      }),
    );
    if (!res.ok) return out.failure(a.pipeline, res.error);
    const started = `started ${a.pipeline} ${res.data.id} (${res.data.status})${environment !== "prod" ? ` in ${environment}` : ""}`;
    return startedRun(client, out, res.data, started, a.wait, a.timeoutMs);
  },
};
