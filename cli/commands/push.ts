import { parseArgs } from "node:util";
import { loadConfig } from "../config";
import type { PushPipelineResult } from "../../api/schema";
import { diffLines, failureLines, positionLine, type DiffSummary } from "../format";
import { gitSourceFromEnv } from "../git-source";
import { ApiClient } from "../http";
import { EXIT, UsageError, type CliIO } from "../io";
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

export function parsePushArgs(args: string[]): PushArgs {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { "dry-run": { type: "boolean", default: false }, env: { type: "string" } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (!parsed.positionals.length) throw new UsageError("name at least one spec file");
  return { files: parsed.positionals, dryRun: parsed.values["dry-run"] === true, env: typeof parsed.values.env === "string" ? parsed.values.env : null };
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

/** Reads and parses one file locally, so syntax errors point at a line before anything is sent. */
async function readSpec(file: string, io: CliIO): Promise<{ text: string; format: SpecFormat; name: string | null } | { errors: string[] }> {
  let text: string;
  try {
    text = await io.readFile(file);
  } catch (err) {
    return { errors: [`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`] };
  }
  const format = formatFromFileName(file) ?? detectFormat(text);
  const parsed = parseSpecText(text, format);
  if (!parsed.ok) return { errors: parsed.errors.map((e) => positionLine(file, e.line, e.column, e.message)) };
  const name = typeof (parsed.value as { name?: unknown })?.name === "string" ? (parsed.value as { name: string }).name : null;
  return { text, format, name };
}

export const push: Command = {
  name: "push",
  summary: "Validate pipeline spec files and create or update the pipelines",
  usage: "tutti push <files…> [--dry-run] [--env ci]",
  async run(args, io) {
    const { files, dryRun, env: envArg } = parsePushArgs(args);
    const environment = envArg ?? (await defaultEnvironment(io.env, io.readFile));
    const client = new ApiClient(loadConfig(io.env), io.fetch);
    const source = gitSourceFromEnv(io.env);
    const counts = { created: 0, updated: 0, unchanged: 0, failed: 0 };
    const seen = new Map<string, string>();

    for (const file of files) {
      const spec = await readSpec(file, io);
      if ("errors" in spec) {
        spec.errors.forEach((l) => io.stderr(l));
        counts.failed++;
        continue;
      }
      if (spec.name && seen.has(spec.name)) {
        io.stderr(`${file}:name: pipeline "${spec.name}" is also defined in ${seen.get(spec.name)}`);
        counts.failed++;
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
        failureLines(file, res.error).forEach((l) => io.stderr(l));
        counts.failed++;
        continue;
      }
      resultLines(file, res.data, res.data.pipeline?.name ?? spec.name ?? "pipeline").forEach((l) => io.stdout(l));
      counts[res.data.status]++;
    }

    if (environment !== "prod") io.stdout(`environment ${environment}: production keeps running its own versions`);
    const verb = dryRun ? { created: "to create", updated: "to update" } : { created: "created", updated: "updated" };
    io.stdout(
      `${files.length} file${files.length === 1 ? "" : "s"}: ${counts.created} ${verb.created}, ${counts.updated} ${verb.updated}, ${counts.unchanged} unchanged, ${counts.failed} failed`,
    );
    return counts.failed ? EXIT.failed : EXIT.ok;
  },
};
