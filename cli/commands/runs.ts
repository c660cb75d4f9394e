import { parseArgs } from "node:util";
import { loadConfig } from "../config";
import { failureLines } from "../format";
import { ApiClient } from "../http";
import { EXIT, UsageError } from "../io";
import type { Command } from "./types";

interface RunRow {
  id: string;
  status: string;
  pipeline: { name: string };
  trigger: { kind: string };
  queued_at: string;
  duration_ms: number | null;
}

export function runsQuery(values: { pipeline?: string; status?: string; limit?: string }): string {
  const q = new URLSearchParams();
  if (values.pipeline) q.set("pipeline", values.pipeline);
  if (values.status) q.set("status", values.status);
  const limit = Number(values.limit ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new UsageError("--limit must be a whole number from 1 to 200");
  q.set("limit", String(limit));
  return q.toString();
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
    const res = await client.get<{ items: RunRow[] }>(`/runs?${runsQuery(parsed.values)}`);
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
