import { parseCommand } from "../args";
import { loadConfig } from "../config";
import type { paths } from "../../api/schema";
import { ApiClient } from "../http";
import { EXIT, UsageError } from "../io";
import { Output } from "../output";
import type { Command } from "./types";

type RunsQuery = NonNullable<paths["/runs"]["get"]["parameters"]["query"]>;

/** The query of `tutti runs`; `--status` may list several, comma-separated, as the API takes them. */
export function runsQuery(values: { pipeline?: string; status?: string; backfill?: string; env?: string; limit?: string }): RunsQuery {
  const limit = Number(values.limit ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new UsageError("--limit must be a whole number from 1 to 200");
  return {
    ...(values.pipeline ? { pipeline: values.pipeline } : {}),
    ...(values.status ? { status: values.status } : {}),
    ...(values.backfill ? { backfill_id: values.backfill } : {}),
    ...(values.env ? { environment: values.env } : {}),
    limit,
  };
}

export const runs: Command = {
  name: "runs",
  summary: "List recent runs, newest first (--backfill lists one backfill's runs)",
  usage: "tutti runs [--pipeline NAME] [--status failed,running] [--backfill ID] [--env ci] [--limit 20] [--json]",
  async run(args, io) {
    const { values } = parseCommand(args, {
      pipeline: { type: "string" },
      status: { type: "string" },
      backfill: { type: "string" },
      env: { type: "string" },
      limit: { type: "string" },
    });
    const query = runsQuery(values);
    const out = new Output(io, values.json === true);
    const client = new ApiClient(loadConfig(io.env), io.fetch);
    const res = await client.call(client.api.GET("/runs", { params: { query } }));
    if (!res.ok) return out.failure("runs", res.error);
    const lines = res.data.items.map((r) => {
      const duration = r.duration_ms !== null ? `${(r.duration_ms / 1000).toFixed(1)}s` : "";
      return `${r.queued_at}  ${r.status.padEnd(10)} ${r.pipeline.name.padEnd(24)} ${r.id}  ${r.trigger.kind.padEnd(8)} ${duration}`;
    });
    out.result(res.data, lines.length ? lines : ["no runs"]);
    return EXIT.ok;
  },
};
