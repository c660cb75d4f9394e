import type { BackfillDetail, BackfillSummary, paths } from "../../api/schema";
import { parseCommand } from "../args";
import { loadConfig } from "../config";
import { ApiClient } from "../http";
import { EXIT, UsageError, type CliIO } from "../io";
import { Output } from "../output";

/** `tutti backfill <verb> …`: the verbs that manage a backfill made earlier (`tutti backfill <pipeline>` makes one). */
export const manageVerbs = ["list", "status", "pause", "resume", "cancel", "retry"] as const;
type Verb = (typeof manageVerbs)[number];
const actionVerbs = ["pause", "resume", "cancel", "retry"] as const;

export const isManageVerb = (word: string | undefined): word is Verb => (manageVerbs as readonly string[]).includes(word ?? "");

type BackfillsQuery = NonNullable<paths["/backfills"]["get"]["parameters"]["query"]>;

/** The query of `tutti backfill list`; `--status` may list several, comma-separated, as the API takes them. */
export function backfillsQuery(values: { pipeline?: string; status?: string; limit?: string }): BackfillsQuery {
  const limit = Number(values.limit ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new UsageError("--limit must be a whole number from 1 to 200");
  return { ...(values.pipeline ? { pipeline: values.pipeline } : {}), ...(values.status ? { status: values.status } : {}), limit };
}

/** One line for a backfill: what it is, its state and how far its slots got. */
export function backfillLine(b: BackfillSummary): string {
  const s = b.slots;
  const counts = [
    `${s.succeeded} succeeded`,
    s.failed ? `${s.failed} failed` : "",
    s.cancelled ? `${s.cancelled} cancelled` : "",
    s.running ? `${s.running} running` : "",
    s.pending ? `${s.pending} pending` : "",
  ].filter(Boolean);
  return `backfill ${b.id} of ${b.pipeline.name}: ${b.state}, ${s.total} slot${s.total === 1 ? "" : "s"}: ${counts.join(", ")} (${b.parallelism} at a time)`;
}

/** The backfill's line, then one line per slot: its time, its latest run's status and id. */
export function backfillDetailLines(b: BackfillDetail): string[] {
  return [backfillLine(b), ...b.slot_runs.map((r) => `  ${r.at}  ${r.status.padEnd(10)} ${r.run_id}${r.runs > 1 ? `  (${r.runs} runs)` : ""}`)];
}

/** Runs `tutti backfill list|status|pause|resume|cancel|retry`. */
export async function manageBackfill(verb: Verb, args: string[], io: CliIO): Promise<number> {
  const client = new ApiClient(loadConfig(io.env), io.fetch);
  if (verb === "list") {
    const { values } = parseCommand(args, { pipeline: { type: "string" }, status: { type: "string" }, limit: { type: "string" } });
    const out = new Output(io, values.json === true);
    const res = await client.call(client.api.GET("/backfills", { params: { query: backfillsQuery(values) } }));
    if (!res.ok) return out.failure("backfills", res.error);
    out.result(res.data, res.data.items.length ? res.data.items.map(backfillLine) : ["no backfills"]);
    return EXIT.ok;
  }
  const { values, positionals } = parseCommand(args, {}, { min: 1, max: 1, message: "name exactly one backfill id" });
  const out = new Output(io, values.json === true);
  const id = positionals[0];
  const params = { params: { path: { id } } };
  const res = await client.call(
    verb === "status" ? client.api.GET("/backfills/{id}", params) : client.api.POST(`/backfills/{id}/${verb satisfies (typeof actionVerbs)[number]}`, params),
  );
  if (!res.ok) return out.failure(id, res.error);
  out.result(res.data, backfillDetailLines(res.data));
  return EXIT.ok;
}
