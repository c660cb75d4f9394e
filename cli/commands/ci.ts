import { parseCommand } from "../args";
import { loadConfig } from "../config";
import { pullRequestFromEnv, upsertPrComment } from "../github";
import { ApiClient } from "../http";
import { EXIT, UsageError, type CliIO } from "../io";
import { Output } from "../output";
import { COMMENT_MARKER } from "../../worker/ci/impact";
import { diffManifests, summarizeManifest } from "../../worker/ci/manifest-diff";
import { detectFormat, formatFromFileName } from "../../worker/pipelines/parse";
import { fetchManifest } from "./dbt";
import type { Command } from "./types";

const SPEC_FILE = /\.(ya?ml|json)$/i;

async function readSpecs(io: CliIO, dir: string) {
  const names = (await io.listDir(dir)).filter((n) => SPEC_FILE.test(n)).sort();
  const out = [];
  for (const name of names) {
    const file = `${dir.replace(/\/+$/, "")}/${name}`;
    const text = await io.readFile(file);
    out.push({ file, spec_text: text, format: formatFromFileName(file) ?? detectFormat(text) });
  }
  return out;
}

async function impact(args: string[], io: CliIO): Promise<number> {
  const { values: v } = parseCommand(args, {
    manifest: { type: "string" },
    project: { type: "string" },
    env: { type: "string", default: "prod" },
    pipelines: { type: "string" },
    format: { type: "string", default: "markdown" },
    "post-github": { type: "boolean", default: false },
  });
  if (!v.manifest && !v.pipelines) throw new UsageError("name --manifest (with --project) and/or --pipelines");
  if (v.manifest && !v.project) throw new UsageError("--project is required with --manifest");
  if (v.format !== "markdown" && v.format !== "json") throw new UsageError("--format is markdown or json");
  // `--format json` came first; `--json` is the flag every command shares.
  const out = new Output(io, v.json === true || v.format === "json");

  let changes = { modified: [], added: [], removed: [] } as ReturnType<typeof diffManifests>;
  if (v.manifest) {
    // Compared here against the downloaded production state, so only the (small) changes travel.
    let head;
    try {
      head = summarizeManifest(JSON.parse(await io.readFile(v.manifest)));
    } catch (err) {
      const message = `${v.manifest}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
      return out.problem(`tutti ci impact: ${message}`, { code: "unreadable", message });
    }
    const prod = await fetchManifest(io, v.project!, v.env!, null);
    if (!prod.ok) return out.failure("tutti ci impact: production manifest", prod.error);
    changes = diffManifests(summarizeManifest(JSON.parse(prod.text!)), head);
  }
  let pipelines: Awaited<ReturnType<typeof readSpecs>> = [];
  if (v.pipelines) {
    try {
      pipelines = await readSpecs(io, v.pipelines);
    } catch (err) {
      const message = `${v.pipelines}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
      return out.problem(`tutti ci impact: ${message}`, { code: "unreadable", message });
    }
  }
  const client = new ApiClient(loadConfig(io.env), io.fetch);
  const res = await client.call(client.api.POST("/ci/impact", { body: { project: v.project ?? "", environment: v.env, changes, pipelines } }));
  if (!res.ok) return out.failure("ci impact", res.error);
  const { markdown, ...report } = res.data;
  if (!v["post-github"]) {
    out.result(report, [markdown]);
    return EXIT.ok;
  }

  const token = io.env.GITHUB_TOKEN;
  const pr = await pullRequestFromEnv(io);
  if (!token || !pr) {
    const message = "--post-github needs GITHUB_TOKEN and a pull_request event (GITHUB_REPOSITORY, GITHUB_EVENT_PATH)";
    return out.problem(`tutti ci impact: ${message}`, { code: "usage", message }, EXIT.usage);
  }
  // The report is printed either way, so a comment GitHub refused does not lose it.
  let comment: { url: string } | { error: string };
  try {
    comment = { url: await upsertPrComment(io, pr, token, COMMENT_MARKER, markdown) };
    out.warn(`posted the impact comment on ${pr.repo}#${pr.number}${comment.url ? `: ${comment.url}` : ""}`);
  } catch (err) {
    comment = { error: (err as Error).message };
    out.warn(`tutti ci impact: ${comment.error}`);
  }
  out.result({ ...report, github_comment: comment }, [markdown]);
  return "error" in comment ? EXIT.failed : EXIT.ok;
}

export const ci: Command = {
  name: "ci",
  summary: "Pull-request impact preview of dbt and pipeline changes (Markdown or JSON; --post-github comments on the PR)",
  usage: "tutti ci impact --manifest target/manifest.json --project X [--env prod] [--pipelines specs/] [--format markdown|json] [--post-github] [--json]",
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === "impact") return impact(rest, io);
    throw new UsageError(`unknown ci command "${sub ?? ""}"`);
  },
};
