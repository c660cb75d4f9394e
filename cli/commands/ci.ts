import { parseArgs } from "node:util";
import { loadConfig } from "../config";
import { failureLines } from "../format";
import { pullRequestFromEnv, upsertPrComment } from "../github";
import { ApiClient } from "../http";
import { EXIT, UsageError, type CliIO } from "../io";
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
  let v;
  try {
    v = parseArgs({
      args,
      options: {
        manifest: { type: "string" },
        project: { type: "string" },
        env: { type: "string", default: "prod" },
        pipelines: { type: "string" },
        format: { type: "string", default: "markdown" },
        "post-github": { type: "boolean", default: false },
      },
      strict: true,
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (!v.manifest && !v.pipelines) throw new UsageError("name --manifest (with --project) and/or --pipelines");
  if (v.manifest && !v.project) throw new UsageError("--project is required with --manifest");
  if (v.format !== "markdown" && v.format !== "json") throw new UsageError("--format is markdown or json");

  let changes = { modified: [], added: [], removed: [] } as ReturnType<typeof diffManifests>;
  if (v.manifest) {
    // Compared here against the downloaded production state, so only the (small) changes travel.
    let head;
    try {
      head = summarizeManifest(JSON.parse(await io.readFile(v.manifest)));
    } catch (err) {
      io.stderr(`tutti ci impact: ${v.manifest}: ${(err as Error).message}`);
      return EXIT.failed;
    }
    const prod = await fetchManifest(io, v.project!, v.env!, null);
    if (!prod.ok) {
      io.stderr(`tutti ci impact: production manifest: ${prod.message}`);
      return EXIT.failed;
    }
    changes = diffManifests(summarizeManifest(JSON.parse(prod.text!)), head);
  }
  let pipelines: Awaited<ReturnType<typeof readSpecs>> = [];
  if (v.pipelines) {
    try {
      pipelines = await readSpecs(io, v.pipelines);
    } catch (err) {
      io.stderr(`tutti ci impact: ${v.pipelines}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return EXIT.failed;
    }
  }
  const client = new ApiClient(loadConfig(io.env), io.fetch);
  const res = await client.call(client.api.POST("/ci/impact", { body: { project: v.project ?? "", environment: v.env, changes, pipelines } }));
  if (!res.ok) {
    failureLines("ci impact", res.error).forEach((l) => io.stderr(l));
    return EXIT.failed;
  }
  if (v.format === "json") {
    const { markdown: _markdown, ...data } = res.data;
    io.stdout(JSON.stringify(data, null, 2));
  } else io.stdout(res.data.markdown);

  if (v["post-github"]) {
    const token = io.env.GITHUB_TOKEN;
    const pr = await pullRequestFromEnv(io);
    if (!token || !pr) {
      io.stderr("tutti ci impact: --post-github needs GITHUB_TOKEN and a pull_request event (GITHUB_REPOSITORY, GITHUB_EVENT_PATH)");
      return EXIT.usage;
    }
    try {
      const url = await upsertPrComment(io, pr, token, COMMENT_MARKER, res.data.markdown);
      io.stderr(`posted the impact comment on ${pr.repo}#${pr.number}${url ? `: ${url}` : ""}`);
    } catch (err) {
      io.stderr(`tutti ci impact: ${(err as Error).message}`);
      return EXIT.failed;
    }
  }
  return EXIT.ok;
}

export const ci: Command = {
  name: "ci",
  summary: "Pull-request impact preview of dbt and pipeline changes (Markdown or JSON; --post-github comments on the PR)",
  usage: "tutti ci impact --manifest target/manifest.json --project X [--env prod] [--pipelines specs/] [--format markdown|json] [--post-github]",
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === "impact") return impact(rest, io);
    throw new UsageError(`unknown ci command "${sub ?? ""}"`);
  },
};
