import { parseArgs } from "node:util";
import { loadConfig } from "../config";
import { failureLines } from "../format";
import { ApiClient } from "../http";
import { EXIT, UsageError } from "../io";
import { followRun, parseParams, parseTimeout, runLines } from "../run-view";
import type { Command } from "./types";

export interface RunArgs {
  pipeline: string;
  params: Record<string, unknown>;
  wait: boolean;
  timeoutMs: number;
  idempotencyKey: string | undefined;
}

export function parseRunArgs(args: string[]): RunArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        param: { type: "string", multiple: true, short: "p" },
        wait: { type: "boolean", default: false },
        timeout: { type: "string", default: "1h" },
        "idempotency-key": { type: "string" },
      },
      allowPositionals: true,
      strict: true,
    });
    if (parsed.positionals.length !== 1) throw new Error("name exactly one pipeline");
    return {
      pipeline: parsed.positionals[0],
      params: parseParams(parsed.values.param ?? []),
      wait: parsed.values.wait === true,
      timeoutMs: parseTimeout(parsed.values.timeout ?? "1h"),
      idempotencyKey: parsed.values["idempotency-key"],
    };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Exit code for a finished run: 0 only when it succeeded. */
export const exitFor = (status: string) => (status === "succeeded" ? EXIT.ok : EXIT.failed);

export const run: Command = {
  name: "run",
  summary: "Start a run of a pipeline; with --wait, follow it and exit with its result",
  usage: "tutti run <pipeline> [--param key=value]… [--wait] [--timeout 1h] [--idempotency-key KEY]",
  async run(args, io) {
    const a = parseRunArgs(args);
    const client = new ApiClient(loadConfig(io.env), io.fetch);
    // In CI a retried job step should not start a second run: default the key to the workflow run.
    const key = a.idempotencyKey ?? (io.env.GITHUB_RUN_ID ? `gha-${io.env.GITHUB_RUN_ID}-${io.env.GITHUB_RUN_ATTEMPT ?? "1"}-${a.pipeline}` : undefined);
    const res = await client.call(
      client.api.POST("/pipelines/{name}/runs", {
        params: { path: { name: a.pipeline } },
        body: { params: a.params },
        headers: key ? { "idempotency-key": key } : {},
      }),
    );
    if (!res.ok) {
      failureLines(a.pipeline, res.error).forEach((l) => io.stderr(l));
      return EXIT.failed;
    }
    io.stdout(`started ${a.pipeline} ${res.data.id} (${res.data.status})`);
    if (!a.wait) return EXIT.ok;
    const followed = await followRun(client, res.data.id, a.timeoutMs, io.stdout);
    if (followed.error) {
      io.stderr(`${res.data.id}: ${followed.error}`);
      return EXIT.failed;
    }
    runLines(followed.run!).forEach((l) => io.stdout(l));
    if (!followed.ended) {
      io.stderr(`${res.data.id}: still ${followed.run!.status} after the timeout; the run goes on`);
      return EXIT.timeout;
    }
    return exitFor(followed.run!.status);
  },
};
