import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultEnvironment } from "../../cli/commands/push";
import { fakeCredentials } from "../fakes/credentials";
import { startGitHubActionsFake, type GitHubActionsFake } from "../fakes/github-actions/server";
import { cliWorkspace, settleRunsAfterAll, type CliWorkspace } from "./workspace";

const prodManifest = readFileSync(new URL("../fixtures/dbt/duckdb-1.8/manifest.json", import.meta.url), "utf8");
const MARKER = "<!-- tutti:ci-impact -->";

describe("tutti dbt and tutti ci against a real Tutti", () => {
  let w: CliWorkspace;
  let github: GitHubActionsFake;

  beforeAll(async () => {
    w = await cliWorkspace("ci");
    github = await startGitHubActionsFake({ token: fakeCredentials.github_actions.token, webhookSecret: fakeCredentials.github_actions.webhook_secret });
    w.write("prod/manifest.json", prodManifest);
    const uploaded = await w.run(["dbt", "upload", "--project", "jaffle", "--env", "prod", "--manifest", "prod/manifest.json"]);
    expect(uploaded.code, uploaded.err.join("\n")).toBe(0);
    expect(uploaded.out[0]).toMatch(/^uploaded manifest for jaffle \(prod\): /);

    // The pull request: one model's SQL changed.
    const pr = JSON.parse(prodManifest);
    pr.nodes["model.jaffle_shop.customers"].checksum = { name: "sha256", checksum: "2".repeat(64) };
    w.write("target/manifest.json", JSON.stringify(pr));
    w.write(
      "specs/orders.yaml",
      `name: orders\nteam: ${w.owner.team.slug}\ntasks:\n  - { id: load, connector: http, with: { url: "https://x.example.com" } }\n`,
    );
    w.write("specs/README.md", "not a spec");
    w.write("event.json", JSON.stringify({ pull_request: { number: 17 } }));
  });
  settleRunsAfterAll(() => [w]);
  afterAll(async () => {
    await github?.close();
  });

  it("dbt state download writes the production manifest, then keeps the file when it has not changed", async () => {
    const first = await w.run(["dbt", "state", "download", "--project", "jaffle", "--env", "prod", "--out", "state/"]);
    expect(first.code, first.err.join("\n")).toBe(0);
    expect(JSON.parse(w.read("state/manifest.json"))).toEqual(JSON.parse(prodManifest));

    const again = await w.run(["dbt", "state", "download", "--project", "jaffle", "--out", "state/"]);
    expect(again.code).toBe(0);
    expect(again.out.join("\n")).toContain("up to date");
  });

  it("dbt upload, dbt state download and ci impact answer one JSON document with --json", async () => {
    const uploaded = await w.run(["dbt", "upload", "--project", "jaffle", "--env", "ci", "--manifest", "target/manifest.json", "--json"]);
    expect(uploaded.code, uploaded.err.join("\n")).toBe(0);
    expect(JSON.parse(uploaded.out.join("\n")).upload).toMatchObject({ id: expect.any(String) });

    const state = await w.run(["dbt", "state", "download", "--project", "jaffle", "--out", "json-state", "--json"]);
    expect(JSON.parse(state.out.join("\n"))).toEqual({
      path: "json-state/manifest.json",
      project: "jaffle",
      environment: "prod",
      written: true,
      bytes: Buffer.byteLength(w.read("json-state/manifest.json")),
    });
    const again = await w.run(["dbt", "state", "download", "--project", "jaffle", "--out", "json-state", "--json"]);
    expect(JSON.parse(again.out.join("\n"))).toEqual({ path: "json-state/manifest.json", project: "jaffle", environment: "prod", written: false });

    const impact = await w.run(["ci", "impact", "--manifest", "target/manifest.json", "--project", "jaffle", "--json"]);
    expect(impact.code).toBe(0);
    const report = JSON.parse(impact.out.join("\n"));
    expect(report).not.toHaveProperty("markdown");
    expect(report.changes.modified).toEqual([expect.objectContaining({ unique_id: "model.jaffle_shop.customers" })]);
    const noManifest = await w.run(["ci", "impact", "--manifest", "nowhere.json", "--project", "jaffle", "--json"]);
    expect(noManifest.code).toBe(1);
    expect(JSON.parse(noManifest.out.join("\n")).error).toMatchObject({ code: "unreadable", message: "nowhere.json: ENOENT" });
  });

  it("dbt state download reports a project with no state and needs --project", async () => {
    const missing = await w.run(["dbt", "state", "download", "--project", "nope"]);
    expect(missing.code).toBe(1);
    expect(missing.err).toEqual([
      expect.stringMatching(
        /^tutti dbt state download: not_found: nope \(prod\): manifest of dbt project "nope" in environment "prod" not found \(request \S+\)$/,
      ),
    ]);
    expect((await w.run(["dbt", "state", "download"])).code).toBe(2);
  });

  it("ci impact compares against the production state and prints the server's report, as Markdown or JSON", async () => {
    const r = await w.run(["ci", "impact", "--manifest", "target/manifest.json", "--project", "jaffle", "--pipelines", "specs"]);
    expect(r.code, r.err.join("\n")).toBe(0);
    const markdown = r.out.join("\n");
    expect(markdown).toContain(MARKER);
    expect(markdown).toContain("`model.jaffle_shop.customers` | model | body");

    const json = await w.run(["ci", "impact", "--manifest", "target/manifest.json", "--project", "jaffle", "--format", "json"]);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.out.join("\n"));
    expect(report.project).toBe("jaffle");
    expect(report.changes.modified).toEqual([expect.objectContaining({ unique_id: "model.jaffle_shop.customers", changes: ["body"] })]);
  });

  it("ci impact --post-github creates the pull request comment, then edits that one instead of adding another", async () => {
    const env = {
      GITHUB_TOKEN: fakeCredentials.github_actions.token,
      GITHUB_REPOSITORY: "acme/analytics",
      GITHUB_EVENT_PATH: "event.json",
      GITHUB_API_URL: github.url,
    };
    // Someone else's comment is left alone.
    await fetch(`${github.url}/repos/acme/analytics/issues/17/comments`, {
      method: "POST",
      headers: { authorization: `Bearer ${env.GITHUB_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ body: "LGTM" }),
    });
    const args = ["ci", "impact", "--manifest", "target/manifest.json", "--project", "jaffle", "--post-github"];
    const posted = await w.run([...args, "--json"], env);
    expect(posted.code, posted.err.join("\n")).toBe(0);
    expect(JSON.parse(posted.out.join("\n")).github_comment).toEqual({ url: expect.stringContaining("/pull/17#issuecomment-") });
    const ours = () => github.comments.filter((c) => c.issue === 17 && c.body.includes(MARKER));
    expect(ours()).toHaveLength(1);
    const created = ours()[0].id;

    expect((await w.run(args, env)).code).toBe(0);
    expect(ours().map((c) => c.id)).toEqual([created]);
    expect(github.comments.filter((c) => c.issue === 17).map((c) => (c.body.startsWith(MARKER) ? "impact" : c.body))).toEqual(["LGTM", "impact"]);
  });
});

describe("tutti push environment", () => {
  const read = async () => JSON.stringify({ repository: { default_branch: "main" } });
  it("pull requests and non-default branches push to ci; the default branch and local pushes to prod", async () => {
    expect(await defaultEnvironment({}, read)).toBe("prod");
    expect(await defaultEnvironment({ GITHUB_ACTIONS: "true", GITHUB_EVENT_NAME: "pull_request", GITHUB_HEAD_REF: "feat" }, read)).toBe("ci");
    expect(await defaultEnvironment({ GITHUB_ACTIONS: "true", GITHUB_EVENT_NAME: "push", GITHUB_REF_NAME: "feat", GITHUB_EVENT_PATH: "e.json" }, read)).toBe(
      "ci",
    );
    expect(await defaultEnvironment({ GITHUB_ACTIONS: "true", GITHUB_EVENT_NAME: "push", GITHUB_REF_NAME: "main", GITHUB_EVENT_PATH: "e.json" }, read)).toBe(
      "prod",
    );
  });

  it("a push from a pull request goes to ci and leaves production on its version; --env prod overrides", async () => {
    const w = await cliWorkspace("env");
    await w.owner.call("PUT", `/teams/${w.owner.team.id}/environments/ci`, { bindings: {} });
    const spec = (url: string) => `name: a\nteam: ${w.owner.team.slug}\ntasks:\n  - { id: t, connector: http, with: { url: "${url}" } }\n`;
    w.write("a.yaml", spec("https://x.example.com/1"));
    expect((await w.run(["push", "a.yaml"])).code).toBe(0);
    w.write("a.yaml", spec("https://x.example.com/2"));
    const pr = { GITHUB_ACTIONS: "true", GITHUB_EVENT_NAME: "pull_request", GITHUB_HEAD_REF: "feat", GITHUB_REPOSITORY: "acme/x" };
    const toCi = await w.run(["push", "a.yaml"], pr);
    expect(toCi.code, toCi.err.join("\n")).toBe(0);
    expect(toCi.out).toContain("environment ci: production keeps running its own versions");
    const pipeline = await w.owner.call("GET", "/pipelines/a");
    expect(pipeline.current_version.number).toBe(1);
    expect(pipeline.environments.find((e: { environment: string }) => e.environment === "ci").version.number).toBe(2);

    // Versions are numbered per pipeline across environments: production now runs the third one pushed.
    expect((await w.run(["push", "a.yaml", "--env", "prod"], pr)).code).toBe(0);
    expect((await w.owner.call("GET", "/pipelines/a")).current_version.number).toBe(3);
  });
});
