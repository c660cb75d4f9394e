import { parseArgs } from "node:util";
import { loadConfig } from "../config";
import { failureLines } from "../format";
import { ApiClient } from "../http";
import { EXIT, UsageError } from "../io";
import type { RunDetail } from "../../api/schema";
import { isTerminalRun } from "../../worker/engine/states";
import { followRun, parseTimeout, runLines } from "../run-view";
import { exitFor } from "./run";
import type { Command } from "./types";

export const status: Command = {
  name: "status",
  summary: "Show a run and its tasks; with --wait, follow it until it ends",
  usage: "tutti status <run-id> [--wait] [--timeout 1h]",
  async run(args, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        options: { wait: { type: "boolean", default: false }, timeout: { type: "string", default: "1h" } },
        allowPositionals: true,
        strict: true,
      });
      if (parsed.positionals.length !== 1) throw new Error("name exactly one run id");
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const runId = parsed.positionals[0];
    const client = new ApiClient(loadConfig(io.env), io.fetch);
    let view: RunDetail;
    if (parsed.values.wait) {
      const followed = await followRun(client, runId, parseTimeout(parsed.values.timeout ?? "1h"), io.stdout);
      if (followed.error || !followed.run) {
        io.stderr(`${runId}: ${followed.error ?? "no answer"}`);
        return EXIT.failed;
      }
      view = followed.run;
    } else {
      const res = await client.call(client.api.GET("/runs/{id}", { params: { path: { id: runId } } }));
      if (!res.ok) {
        failureLines(runId, res.error).forEach((l) => io.stderr(l));
        return EXIT.failed;
      }
      view = res.data;
    }
    runLines(view).forEach((l) => io.stdout(l));
    if (!isTerminalRun(view.status)) return parsed.values.wait ? EXIT.timeout : EXIT.ok;
    return exitFor(view.status);
  },
};
