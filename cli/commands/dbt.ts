import { createHash } from "node:crypto";
import { parseCommand, required } from "../args";
import { loadConfig } from "../config";
import { ApiClient, type ApiFailure } from "../http";
import { EXIT, UsageError, type CliIO } from "../io";
import { Output } from "../output";
import type { Command } from "./types";

export const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/**
 * GET the stored manifest of a project; with `cached` (the text already on disk) sends its ETag, so an
 * unchanged manifest costs a 304. Returns the text, or null when `cached` is still current.
 */
export async function fetchManifest(
  io: CliIO,
  project: string,
  env: string,
  cached: string | null,
): Promise<{ ok: true; text: string | null } | { ok: false; error: ApiFailure }> {
  const client = new ApiClient(loadConfig(io.env), io.fetch);
  const res = await client.call(
    client.api.GET("/dbt/projects/{project}/manifest", {
      params: { path: { project }, query: { env } },
      headers: cached !== null ? { "if-none-match": `"${sha256(cached)}"` } : {},
      // Written to disk as the server sent it, so the next ETag still matches.
      parseAs: "text",
    }),
  );
  if (res.ok) return { ok: true, text: res.data };
  if (res.error.status === 304) return { ok: true, text: null };
  return { ok: false, error: { ...res.error, message: `${project} (${env}): ${res.error.message}` } };
}

async function stateDownload(args: string[], io: CliIO): Promise<number> {
  const { values: v } = parseCommand(args, {
    project: { type: "string" },
    env: { type: "string", default: "prod" },
    out: { type: "string", default: "state" },
  });
  const out = new Output(io, v.json === true);
  const project = required(v.project, "project");
  const env = v.env ?? "prod";
  const path = `${(v.out ?? "state").replace(/\/+$/, "")}/manifest.json`;
  const cached = await io.readFile(path).catch(() => null);
  const got = await fetchManifest(io, project, env, cached);
  if (!got.ok) return out.failure("tutti dbt state download", got.error);
  if (got.text === null) {
    out.result({ path, project, environment: env, written: false }, [`${path}: up to date (${project}, ${env})`]);
    return EXIT.ok;
  }
  await io.writeFile(path, got.text);
  const bytes = Buffer.byteLength(got.text, "utf8");
  out.result({ path, project, environment: env, written: true, bytes }, [`${path}: written (${project}, ${env}, ${bytes} bytes)`]);
  return EXIT.ok;
}

async function upload(args: string[], io: CliIO): Promise<number> {
  const { values: v } = parseCommand(args, {
    project: { type: "string" },
    env: { type: "string", default: "prod" },
    manifest: { type: "string" },
    "run-results": { type: "string" },
    namespace: { type: "string" },
  });
  const out = new Output(io, v.json === true);
  const project = required(v.project, "project");
  const env = v.env ?? "prod";
  if (!v.manifest && !v["run-results"]) throw new UsageError("name --manifest and/or --run-results");
  const read = async (path: string | undefined) => (path ? JSON.parse(await io.readFile(path)) : undefined);
  let manifest, runResults;
  try {
    [manifest, runResults] = [await read(v.manifest), await read(v["run-results"])];
  } catch (err) {
    const message = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    return out.problem(`tutti dbt upload: ${message}`, { code: "unreadable", message });
  }
  const client = new ApiClient(loadConfig(io.env), io.fetch);
  const res = await client.call(
    client.api.POST("/dbt/artifacts", {
      body: {
        project,
        environment: env,
        ...(v.namespace ? { namespace: v.namespace } : {}),
        ...(manifest ? { manifest } : {}),
        ...(runResults ? { run_results: runResults } : {}),
      },
    }),
  );
  if (!res.ok) return out.failure("dbt upload", res.error);
  const what = [manifest && "manifest", runResults && "run_results"].filter(Boolean).join(" and ");
  out.result(res.data, [`uploaded ${what} for ${project} (${env}): ${res.data.upload.id}`]);
  return EXIT.ok;
}

export const dbt: Command = {
  name: "dbt",
  summary: "dbt artifacts: upload them, or download the production state for Slim CI",
  usage:
    "tutti dbt state download --project X [--env prod] [--out state/] [--json] | tutti dbt upload --project X [--env ci] --manifest F --run-results F [--json]",
  async run(args, io) {
    const [a, b, ...rest] = args;
    if (a === "state" && b === "download") return stateDownload(rest, io);
    if (a === "upload")
      return upload(
        [b, ...rest].filter((x) => x !== undefined),
        io,
      );
    throw new UsageError(`unknown dbt command "${[a, b].filter(Boolean).join(" ")}"`);
  },
};
