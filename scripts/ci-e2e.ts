/**
 * Plays a CI job against a running Tutti (`wrangler dev`, `npm run dev`, or a deployment):
 *   1. sets up a fresh workspace: a team with `tool_prod` and `tool_ci` connections, environments binding
 *      the spec's `tool` to each, an API token (what an admin does once);
 *   2. the merge job: `tutti push` on main (prod) and `tutti dbt upload` of the production manifest;
 *   3. the pull-request job: `tutti push` from a branch (goes to `ci`), `tutti dbt upload` of the PR
 *      manifest to `ci`, `tutti dbt state download`, and `tutti ci impact`, whose Markdown it prints.
 * Usage: npx tsx scripts/ci-e2e.ts [base URL, default http://localhost:8787]
 * test/e2e/ci.e2e.test.ts runs it against the e2e suite's wrangler dev.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../cli/main";
import { cookieOf, signupVerified } from "../test/e2e/helpers/mailbox";
import { nodeIO } from "../cli/node-io";
import type { CliIO } from "../cli/io";

const fixtures = resolve(fileURLToPath(import.meta.url), "../../test/fixtures/dbt");

async function call(baseUrl: string, session: { cookie: string; csrf: string }, method: string, path: string, body?: unknown) {
  const res = await fetch(`${baseUrl}/api/v1${path}`, {
    method,
    headers: { cookie: session.cookie, "x-csrf-token": session.csrf, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: a script reading whatever the API answered
  const json: any = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** A CliIO that runs `tutti` in-process with the job's environment and keeps what it printed. */
function jobIO(env: Record<string, string>) {
  const out: string[] = [];
  const io: CliIO = { ...nodeIO, env: { ...env }, stdout: (l) => out.push(l), stderr: (l) => out.push(l) };
  return { io, out };
}

async function tutti(label: string, argv: string[], env: Record<string, string>, log: (l: string) => void): Promise<string[]> {
  const { io, out } = jobIO(env);
  const code = await main(argv, io);
  log(`$ tutti ${argv.join(" ")}   # ${label}`);
  out.forEach((l) => log(`  ${l}`));
  if (code !== 0) throw new Error(`tutti ${argv.join(" ")} exited ${code}:\n${out.join("\n")}`);
  return out;
}

export async function playCiJob(
  baseUrl: string,
  log: (line: string) => void = console.log,
): Promise<{ markdown: string; ciVersion: number; prodVersion: number }> {
  // 1. Setup, once per workspace.
  const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const signup = await signupVerified(baseUrl, {
    email: `ci-${id}@example.com`,
    password: "correct horse battery staple",
    name: "CI Player",
    tenant_name: `CI ${id}`,
  });
  if (signup.status !== 201) throw new Error(`signup: ${signup.status} ${await signup.text()}`);
  const cookie = cookieOf(signup);
  const session = { cookie, csrf: ((await signup.json()) as { csrf_token: string }).csrf_token };
  const team = (await call(baseUrl, session, "GET", "/me")).teams[0] as { id: string; slug: string };
  for (const name of ["tool_prod", "tool_ci"]) {
    await call(baseUrl, session, "POST", "/connections", {
      team_id: team.id,
      name,
      kind: "http",
      config: { base_url: "https://tools.example.com" },
      secrets: { bearer_token: `token-for-${name}` },
    });
  }
  await call(baseUrl, session, "PUT", `/teams/${team.id}/environments/prod`, { bindings: { tool: "tool_prod" } });
  await call(baseUrl, session, "PUT", `/teams/${team.id}/environments/ci`, { bindings: { tool: "tool_ci" } });
  const token = (
    await call(baseUrl, session, "POST", "/tokens", {
      name: "github-actions",
      team_id: team.id,
      scopes: ["read", "pipelines:write", "runs:write", "lineage:write", "metadata:write"],
    })
  ).token as string;

  const work = mkdtempSync(join(tmpdir(), "tutti-ci-"));
  const spec = (extra: string) =>
    `name: orders_${id}\nteam: ${team.slug}\nschedule: { cron: "0 6 * * *", timezone: UTC }\ntasks:\n  - id: load\n    connector: http\n    connection: tool\n    with: { url: /load }\n${extra}`;
  writeFileSync(join(work, "orders.yaml"), spec(""));
  const prodManifest = readFileSync(join(fixtures, "duckdb-1.8/manifest.json"), "utf8");
  writeFileSync(join(work, "prod-manifest.json"), prodManifest);
  const base = { TUTTI_URL: baseUrl, TUTTI_TOKEN: token, GITHUB_ACTIONS: "true", GITHUB_REPOSITORY: "acme/analytics", GITHUB_ACTOR: "dev" };

  // 2. The merge job on main.
  const mainEnv = { ...base, GITHUB_EVENT_NAME: "push", GITHUB_REF_NAME: "main", GITHUB_SHA: "a".repeat(40), TUTTI_DEFAULT_BRANCH: "main" };
  await tutti("merge: pipelines to prod", ["push", join(work, "orders.yaml")], mainEnv, log);
  await tutti(
    "merge: production dbt state",
    ["dbt", "upload", "--project", "jaffle", "--env", "prod", "--manifest", join(work, "prod-manifest.json")],
    mainEnv,
    log,
  );

  // 3. The pull-request job on a branch: a new task, a changed model, a new model.
  const prEnv = { ...base, GITHUB_EVENT_NAME: "pull_request", GITHUB_HEAD_REF: "feature/extra", GITHUB_REF_NAME: "17/merge", GITHUB_SHA: "b".repeat(40) };
  mkdtempSync(join(work, "x"));
  const specs = join(work, "specs");
  await (await import("node:fs/promises")).mkdir(specs, { recursive: true });
  writeFileSync(
    join(specs, "orders.yaml"),
    spec("  - id: publish\n    connector: http\n    connection: tool\n    with: { url: /publish }\n    depends_on: [load]\n"),
  );
  const pr = JSON.parse(prodManifest);
  pr.nodes["model.jaffle_shop.customers"].checksum = { name: "sha256", checksum: "c".repeat(64) };
  pr.nodes["model.jaffle_shop.order_totals"] = {
    ...structuredClone(pr.nodes["model.jaffle_shop.orders"]),
    unique_id: "model.jaffle_shop.order_totals",
    name: "order_totals",
  };
  writeFileSync(join(work, "pr-manifest.json"), JSON.stringify(pr));
  await tutti("PR: pipelines to ci", ["push", join(specs, "orders.yaml")], prEnv, log);
  await tutti("PR: Slim CI state", ["dbt", "state", "download", "--project", "jaffle", "--env", "prod", "--out", join(work, "state")], prEnv, log);
  await tutti("PR: CI dbt artifacts", ["dbt", "upload", "--project", "jaffle", "--env", "ci", "--manifest", join(work, "pr-manifest.json")], prEnv, log);
  const markdown = (
    await tutti("PR: impact preview", ["ci", "impact", "--manifest", join(work, "pr-manifest.json"), "--project", "jaffle", "--pipelines", specs], prEnv, log)
  ).join("\n");

  const pipeline = await call(baseUrl, session, "GET", `/pipelines/orders_${id}`);
  return {
    markdown,
    prodVersion: pipeline.current_version.number,
    ciVersion: pipeline.environments.find((e: { environment: string }) => e.environment === "ci")?.version.number ?? 0,
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  playCiJob(process.argv[2] ?? process.env.TUTTI_URL ?? "http://localhost:8787").catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
