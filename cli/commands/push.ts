import { parseCommand } from "../args";
import { loadConfig } from "../config";
import type { PushPipelineResult } from "../../api/schema";
import { detailLine, diffLines, failureLines, positionLine, type DiffSummary } from "../format";
import { gitSourceFromEnv } from "../git-source";
import { ApiClient } from "../http";
import { EXIT, type CliIO } from "../io";
import { errorDoc, exitForFailure, localError, Output, type ErrorDoc } from "../output";
import { detectFormat, formatFromFileName, parseSpecText, type SpecFormat } from "../../worker/pipelines/parse";
import type { Command } from "./types";

export interface PushArgs {
  files: string[];
  dryRun: boolean;
  env: string | null;
}

/**
 * Where a push goes when --env is not given: `ci` for a pull request or a branch other than the default
 * (TUTTI_DEFAULT_BRANCH, else the Actions event's default branch), `prod` otherwise. A branch never
 * replaces what production runs unless --env prod says so.
 */
export async function defaultEnvironment(env: Record<string, string | undefined>, readFile: (p: string) => Promise<string>): Promise<string> {
  if (env.GITHUB_ACTIONS !== "true") return "prod";
  if (env.GITHUB_EVENT_NAME === "pull_request" || env.GITHUB_EVENT_NAME === "pull_request_target" || env.GITHUB_HEAD_REF) return "ci";
  let defaultBranch = env.TUTTI_DEFAULT_BRANCH;
  if (!defaultBranch && env.GITHUB_EVENT_PATH) {
    defaultBranch = await readFile(env.GITHUB_EVENT_PATH)
      .then((t) => JSON.parse(t)?.repository?.default_branch as string | undefined)
      .catch(() => undefined);
  }
  const branch = env.GITHUB_REF_NAME;
  return defaultBranch && branch && branch !== defaultBranch ? "ci" : "prod";
}

export function parsePushArgs(args: string[]): PushArgs & { json: boolean } {
  const { values, positionals } = parseCommand(
    args,
    { "dry-run": { type: "boolean", default: false }, env: { type: "string" } },
    { min: 1, max: Number.POSITIVE_INFINITY, message: "name at least one spec file" },
  );
  return { files: positionals, dryRun: values["dry-run"] === true, env: values.env ?? null, json: values.json === true };
}

/** What the summary of one push reads of the API's answer. */
type PushOutcome = Pick<PushPipelineResult, "status" | "dry_run" | "restored"> & { version: Pick<PushPipelineResult["version"], "number">; diff: DiffSummary };

/** What the user reads for one pushed file. */
export function resultLines(file: string, r: PushOutcome, name: string): string[] {
  const restored = r.restored ? (r.dry_run ? " (would restore it from the archive)" : " (restored from the archive)") : "";
  switch (r.status) {
    case "created":
      return [`${file}: ${r.dry_run ? "would create" : "created"} ${name} (version ${r.version.number})${restored}`, ...diffLines(r.diff)];
    case "updated":
      return [`${file}: ${r.dry_run ? "would update" : "updated"} ${name} to version ${r.version.number}${restored}`, ...diffLines(r.diff)];
    case "unchanged":
      return [`${file}: unchanged ${name} (version ${r.version.number})${restored}`];
  }
}

/** One file's line in `--json` output. */
type FileResult =
  | { file: string; status: PushPipelineResult["status"]; pipeline: string; version: number; restored: boolean; diff: PushPipelineResult["diff"] }
  | { file: string; status: "failed"; error: ErrorDoc };

/** A file that could not be pushed: what stderr says, and what --json says. */
interface FileFailure {
  lines: string[];
  error: ErrorDoc;
}

/** Reads and parses one file locally, so syntax errors point at a line before anything is sent. */
async function readSpec(file: string, io: CliIO): Promise<{ text: string; format: SpecFormat; name: string | null } | FileFailure> {
  let text: string;
  try {
    text = await io.readFile(file);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    return { lines: [`${file}: cannot read: ${reason}`], error: localError("unreadable", `cannot read: ${reason}`) };
  }
  const format = formatFromFileName(file) ?? detectFormat(text);
  const parsed = parseSpecText(text, format);
  if (!parsed.ok) {
    const details = parsed.errors.map((e) => ({ path: "", ...(e.line ? { line: e.line, column: e.column } : {}), message: e.message }));
    return {
      lines: parsed.errors.map((e) => positionLine(file, e.line, e.column, e.message)),
      error: localError("syntax_error", parsed.errors[0]?.message ?? "not a valid spec", details),
    };
  }
  const name = typeof (parsed.value as { name?: unknown })?.name === "string" ? (parsed.value as { name: string }).name : null;
  return { text, format, name };
}

export const push: Command = {
  name: "push",
  summary: "Validate pipeline spec files and create or update the pipelines",
  usage: "tutti push <files…> [--dry-run] [--env ci] [--json]",
  async run(args, io) {
    const { files, dryRun, env: envArg, json } = parsePushArgs(args);
    const out = new Output(io, json);
    const environment = envArg ?? (await defaultEnvironment(io.env, io.readFile));
    const client = new ApiClient(loadConfig(io.env), io.fetch);
    const source = gitSourceFromEnv(io.env);
    const counts = { created: 0, updated: 0, unchanged: 0, failed: 0 };
    const results: FileResult[] = [];
    const lines: string[] = [];
    const seen = new Map<string, string>();
    let exit: number = EXIT.ok;
    const fail = (file: string, f: FileFailure, code: number = EXIT.failed) => {
      f.lines.forEach((l) => out.warn(l));
      results.push({ file, status: "failed", error: f.error });
      counts.failed++;
      // One unreachable answer makes the whole push worth retrying.
      exit = Math.max(exit, code);
    };

    for (const file of files) {
      const spec = await readSpec(file, io);
      if ("error" in spec) {
        fail(file, spec);
        continue;
      }
      if (spec.name && seen.has(spec.name)) {
        const message = `pipeline "${spec.name}" is also defined in ${seen.get(spec.name)}`;
        fail(file, { lines: [detailLine(file, { path: "name", message })], error: localError("duplicate_name", message, [{ path: "name", message }]) });
        continue;
      }
      if (spec.name) seen.set(spec.name, file);
      const res = await client.call(
        client.api.POST("/pipelines", {
          params: { query: dryRun ? { dry_run: "true" } : {} },
          body: { spec_text: spec.text, format: spec.format, ...(source ? { source } : {}), ...(environment !== "prod" ? { environment } : {}) },
        }),
      );
      if (!res.ok) {
        fail(file, { lines: failureLines(file, res.error), error: errorDoc(res.error) }, exitForFailure(res.error));
        continue;
      }
      const r = res.data;
      const name = r.pipeline?.name ?? spec.name ?? "pipeline";
      lines.push(...resultLines(file, r, name));
      results.push({ file, status: r.status, pipeline: name, version: r.version.number, restored: r.restored, diff: r.diff });
      counts[r.status]++;
    }

    if (environment !== "prod") lines.push(`environment ${environment}: production keeps running its own versions`);
    const verb = dryRun ? { created: "to create", updated: "to update" } : { created: "created", updated: "updated" };
    lines.push(
      `${files.length} file${files.length === 1 ? "" : "s"}: ${counts.created} ${verb.created}, ${counts.updated} ${verb.updated}, ${counts.unchanged} unchanged, ${counts.failed} failed`,
    );
    out.result({ environment, dry_run: dryRun, files: results, counts }, lines);
    return exit;
  },
};
