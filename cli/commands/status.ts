import { parseCommand } from "../args";
import { loadConfig } from "../config";
import { ApiClient } from "../http";
import { Output } from "../output";
import { parseTimeout, reportRun, waitForRun, waitOptions } from "../run-view";
import type { Command } from "./types";

export const status: Command = {
  name: "status",
  summary: "Show a run and its tasks; with --wait, follow it until it ends",
  usage: "tutti status <run-id> [--wait] [--timeout 1h] [--json]",
  async run(args, io) {
    const { values, positionals } = parseCommand(args, waitOptions, { min: 1, max: 1, message: "name exactly one run id" });
    const timeoutMs = parseTimeout(values.timeout ?? "1h");
    const out = new Output(io, values.json === true);
    const runId = positionals[0];
    const client = new ApiClient(loadConfig(io.env), io.fetch);
    if (values.wait) return waitForRun(client, out, runId, timeoutMs);
    const res = await client.call(client.api.GET("/runs/{id}", { params: { path: { id: runId } } }));
    if (!res.ok) return out.failure(runId, res.error);
    return reportRun(out, res.data, false);
  },
};
