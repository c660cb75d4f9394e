import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../e2e/helpers/processes";
import { cliBundle, cliWorkspace, tutti, type CliWorkspace } from "./workspace";

const run = promisify(execFile);
const cliManifest = JSON.parse(readFileSync(join(repoRoot, "cli/package.json"), "utf8"));
const rootManifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));

/** The package an import names: `yaml` for "yaml", `@scope/x` for "@scope/x/sub". */
const packageOf = (specifier: string) =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");
const isBuiltin = (specifier: string) => specifier.startsWith("node:") || builtinModules.includes(specifier);

describe("the built CLI is a package of its own", () => {
  it("imports nothing but Node built-ins and the dependencies its package.json declares, at the versions the repo tests", async () => {
    // esbuild reads the bundle's import statements, dynamic imports and requires; a relative import would be pulled
    // in as a second input, a package import stays external.
    const { metafile } = await build({
      entryPoints: [cliBundle],
      bundle: true,
      packages: "external",
      write: false,
      metafile: true,
      platform: "node",
      format: "esm",
      logLevel: "silent",
    });
    expect(Object.keys(metafile.inputs)).toEqual([expect.stringMatching(/cli\/dist\/tutti\.mjs$/)]);
    const imports = Object.values(metafile.inputs).flatMap((i) => i.imports);
    expect(imports.filter((i) => !i.external)).toEqual([]);
    const packages = [...new Set(imports.filter((i) => !isBuiltin(i.path)).map((i) => packageOf(i.path)))];
    expect(packages.sort()).toEqual(Object.keys(cliManifest.dependencies).sort());
    // The versions users install are the ones the repo's tests run against.
    for (const [name, range] of Object.entries(cliManifest.dependencies)) expect(range, name).toBe(rootManifest.dependencies[name]);
    expect(readFileSync(cliBundle, "utf8")).not.toMatch(/\btsx\b/);
  });

  it("runs from any directory with only Node: --version, --help and a usage error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tutti-cli-bare-"));
    const version = await tutti(["--version"], { NODE_PATH: "" }, dir);
    expect(version).toEqual({ code: 0, out: [cliManifest.version], err: [] });
    const help = await tutti(["--help"], { NODE_PATH: "" }, dir);
    expect(help.code).toBe(0);
    for (const name of ["push", "run", "status", "runs", "cancel", "retry", "backfill", "logs", "dbt", "ci"]) {
      expect(help.out).toContainEqual(expect.stringMatching(new RegExp(`^  ${name}\\s`)));
    }
    expect(help.out.join("\n")).toMatch(/Exit codes:\n {2}0 {2}success\n {2}1 .*\n {2}2 .*\n {2}3 .*\n {2}4 /);
    const wrong = await tutti(["status"], { NODE_PATH: "" }, dir);
    expect(wrong.code).toBe(2);
    rmSync(dir, { recursive: true, force: true });
  });
});

// `npm pack` in cli/, then `npm install` of the tarball into an empty project, as a user's CI does with a release:
// the dependencies come from the registry (or npm's cache), nothing from this checkout.
describe("npm pack → npm install → npx tutti", () => {
  let w: CliWorkspace;
  let project: string;
  const npm = (args: string[], cwd: string) =>
    run("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], { cwd, env: { ...process.env, NODE_PATH: "" } });

  beforeAll(async () => {
    w = await cliWorkspace("pack");
    project = mkdtempSync(join(tmpdir(), "tutti-cli-install-"));
    const packed = JSON.parse((await npm(["pack", "--json", "--pack-destination", project], join(repoRoot, "cli"))).stdout);
    expect(packed[0].files.map((f: { path: string }) => f.path).sort()).toEqual(["dist/tutti.mjs", "package.json"]);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "ci-job", private: true }));
    await npm(["install", "--prefer-offline", `./${packed[0].filename}`], project);
  }, 120_000);
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it("the installed bin answers --version and works against Tutti with its own dependencies", async () => {
    const npx = (args: string[]) =>
      run("npx", ["--no-install", "tutti", ...args], { cwd: project, env: { PATH: process.env.PATH ?? "", NODE_PATH: "", ...w.env } });
    expect((await npx(["--version"])).stdout.trim()).toBe(cliManifest.version);
    writeFileSync(
      join(project, "p.yaml"),
      `name: packed\nteam: ${w.owner.team.slug}\ntasks:\n  - { id: a, connector: http, with: { url: "https://x.example.com" } }\n`,
    );
    const pushed = await npx(["push", "--dry-run", "p.yaml", "--json"]);
    expect(JSON.parse(pushed.stdout)).toMatchObject({ dry_run: true, files: [{ file: "p.yaml", status: "created", pipeline: "packed", version: 1 }] });
  });
});
