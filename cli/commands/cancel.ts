import { parseCommand } from "../args";
import { loadConfig } from "../config";
import { ApiClient } from "../http";
import { EXIT } from "../io";
import { Output } from "../output";
import { runLines } from "../run-view";
import type { Command } from "./types";

export const cancel: Command = {
  name: "cancel",
  summary: "Cancel an unfinished run; its active tasks are stopped at their tools",
  usage: "tutti cancel <run-id> [--json]",
  details: "Exits 0 once the run is cancelled, 1 when it had already ended (conflict) or is not found. --json prints the run.",
  async run(args, io) {
    const { values, positionals } = parseCommand(args, {}, { min: 1, max: 1, message: "name exactly one run id" });
    const out = new Output(io, values.json === true);
    const runId = positionals[0];
    const client = new ApiClient(loadConfig(io.env), io.fetch);
    const res = await client.call(client.api.POST("/runs/{id}/cancel", { params: { path: { id: runId } } }));
    if (!res.ok) return out.failure(runId, res.error);
    out.result(res.data, runLines(res.data));
    return EXIT.ok;
  },
};
