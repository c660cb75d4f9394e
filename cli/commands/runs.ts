import { parseArgs } from "node:util";
import { loadConfig } from "../config";
import { failureLines } from "../format";
import type { paths } from "../../api/schema";
import { ApiClient } from "../http";
import { EXIT, UsageError } from "../io";
import type { Command } from "./types";

/** The query of `tutti runs`; `--status` may list several, comma-separated, as the API takes them. */
export function runsQuery(values: { pipeline?: string; status?: string; limit?: string }): NonNullable<paths["/runs"]["get"]["parameters"]["query"]> {
  const limit = Number(values.limit ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new UsageError("--limit must be a whole number from 1 to 200");
  return { ...(values.pipeline ? { pipeline: values.pipeline } : {}), ...(values.status ? { status: values.status } : {}), limit };
}

export const runs: Command = {
  name: "runs",
  summary: "List recent runs, newest first",
  usage: "tutti runs [--pipeline NAME] [--status failed,running] [--limit 20]",
  async run(args, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        options: { pipeline: { type: "string" }, status: { type: "string" }, limit: { type: "string" } },
        allowPositionals: false,
        strict: true,
      });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const client = new ApiClient(loadConfig(io.env), io.fetch);
    const res = await client.call(client.api.GET("/runs", { params: { query: runsQuery(parsed.values) } }));
    if (!res.ok) {
      failureLines("runs", res.error).forEach((l) => io.stderr(l));
      return EXIT.failed;
    }
    if (!res.data.items.length) io.stdout("no runs");
    for (const r of res.data.items) {
      const duration = r.duration_ms !== null ? `${(r.duration_ms / 1000).toFixed(1)}s` : "";
      io.stdout(`${r.queued_at}  ${r.status.padEnd(10)} ${r.pipeline.name.padEnd(24)} ${r.id}  ${r.trigger.kind.padEnd(8)} ${duration}`);
    }
    return EXIT.ok;
  },
};
