import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import { loadConfig } from "../config";
import { failureLines } from "../format";
import { ApiClient } from "../http";
import { EXIT, UsageError, type CliIO } from "../io";
import type { Command } from "./types";

function options<T extends Record<string, { type: "string" | "boolean"; default?: string | boolean }>>(args: string[], spec: T) {
  try {
    return parseArgs({ args, options: spec, allowPositionals: false, strict: true }).values as unknown as Record<keyof T, string | boolean | undefined>;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

const need = (v: string | boolean | undefined, flag: string): string => {
  if (typeof v !== "string" || !v) throw new UsageError(`--${flag} is required`);
  return v;
};

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
): Promise<{ ok: true; text: string | null } | { ok: false; message: string }> {
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
  return { ok: false, message: `${project} (${env}): ${res.error.message}` };
}

async function stateDownload(args: string[], io: CliIO): Promise<number> {
  const v = options(args, { project: { type: "string" }, env: { type: "string", default: "prod" }, out: { type: "string", default: "state" } });
  const project = need(v.project, "project");
  const out = `${String(v.out).replace(/\/+$/, "")}/manifest.json`;
  const cached = await io.readFile(out).catch(() => null);
  const got = await fetchManifest(io, project, String(v.env), cached);
  if (!got.ok) {
    io.stderr(`tutti dbt state download: ${got.message}`);
    return EXIT.failed;
  }
  if (got.text === null) {
    io.stdout(`${out}: up to date (${project}, ${v.env})`);
    return EXIT.ok;
  }
  await io.writeFile(out, got.text);
  io.stdout(`${out}: written (${project}, ${v.env}, ${got.text.length} bytes)`);
  return EXIT.ok;
}

async function upload(args: string[], io: CliIO): Promise<number> {
  const v = options(args, {
    project: { type: "string" },
    env: { type: "string", default: "prod" },
    manifest: { type: "string" },
    "run-results": { type: "string" },
    namespace: { type: "string" },
  });
  const project = need(v.project, "project");
  if (!v.manifest && !v["run-results"]) throw new UsageError("name --manifest and/or --run-results");
  const read = async (path: string | boolean | undefined) => (typeof path === "string" ? JSON.parse(await io.readFile(path)) : undefined);
  let manifest, runResults;
  try {
    [manifest, runResults] = [await read(v.manifest), await read(v["run-results"])];
  } catch (err) {
    io.stderr(`tutti dbt upload: ${(err as Error).message}`);
    return EXIT.failed;
  }
  const client = new ApiClient(loadConfig(io.env), io.fetch);
  const res = await client.call(
    client.api.POST("/dbt/artifacts", {
      body: {
        project,
        environment: String(v.env),
        ...(typeof v.namespace === "string" ? { namespace: v.namespace } : {}),
        ...(manifest ? { manifest } : {}),
        ...(runResults ? { run_results: runResults } : {}),
      },
    }),
  );
  if (!res.ok) {
    failureLines("dbt upload", res.error).forEach((l) => io.stderr(l));
    return EXIT.failed;
  }
  io.stdout(`uploaded ${[manifest && "manifest", runResults && "run_results"].filter(Boolean).join(" and ")} for ${project} (${v.env}): ${res.data.upload.id}`);
  return EXIT.ok;
}

export const dbt: Command = {
  name: "dbt",
  summary: "dbt artifacts: upload them, or download the production state for Slim CI",
  usage: "tutti dbt state download --project X [--env prod] [--out state/] | tutti dbt upload --project X [--env ci] --manifest F --run-results F",
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
