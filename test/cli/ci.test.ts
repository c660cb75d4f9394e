import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { main } from "../../cli/main";
import { sha256 } from "../../cli/commands/dbt";
import { defaultEnvironment } from "../../cli/commands/push";
import { fakeIO } from "./fake";

const prodManifest = readFileSync(new URL("../fixtures/dbt/duckdb-1.8/manifest.json", import.meta.url), "utf8");

describe("tutti dbt state download", () => {
  it("writes the manifest, then sends its ETag and keeps the file on 304", async () => {
    const first = fakeIO({ respond: () => ({ status: 200, body: JSON.parse(prodManifest), headers: { etag: '"x"' } }) });
    expect(await main(["dbt", "state", "download", "--project", "jaffle", "--env", "prod", "--out", "state/"], first.io)).toBe(0);
    expect(first.requests[0].url).toBe("http://localhost:8787/api/v1/dbt/projects/jaffle/manifest?env=prod");
    expect(first.requests[0].headers["if-none-match"]).toBeUndefined();
    expect(JSON.parse(first.written["state/manifest.json"])).toEqual(JSON.parse(prodManifest));

    const again = fakeIO({ files: { "state/manifest.json": prodManifest }, respond: () => ({ status: 304, body: null }) });
    expect(await main(["dbt", "state", "download", "--project", "jaffle"], again.io)).toBe(0);
    expect(again.requests[0].headers["if-none-match"]).toBe(`"${sha256(prodManifest)}"`);
    expect(again.written).toEqual({});
    expect(again.out.join("\n")).toContain("up to date");
  });

  it("reports a missing project and needs --project", async () => {
    const f = fakeIO({ respond: () => ({ status: 404, body: { error: { code: "not_found", message: "manifest not found", details: [], request_id: "r" } } }) });
    expect(await main(["dbt", "state", "download", "--project", "nope"], f.io)).toBe(1);
    expect(f.err.join("\n")).toContain("manifest not found");
    expect(await main(["dbt", "state", "download"], fakeIO({}).io)).toBe(2);
  });
});

describe("tutti ci impact", () => {
  const pr = JSON.parse(prodManifest);
  pr.nodes["model.jaffle_shop.customers"].checksum = { name: "sha256", checksum: "2".repeat(64) };

  function server(comments: Array<{ id: number; body: string }> = []) {
    return fakeIO({
      files: {
        "target/manifest.json": JSON.stringify(pr),
        "specs/orders.yaml": "name: orders\nteam: analytics\ntasks: []\n",
        "specs/README.md": "not a spec",
        "event.json": JSON.stringify({ pull_request: { number: 17 } }),
      },
      env: { GITHUB_TOKEN: "ghs_x", GITHUB_REPOSITORY: "acme/analytics", GITHUB_EVENT_PATH: "event.json", GITHUB_API_URL: "https://gh.test" },
      respond: (req) => {
        if (req.url.includes("/manifest")) return { status: 200, body: JSON.parse(prodManifest) };
        if (req.url.endsWith("/ci/impact")) return { status: 200, body: { project: "jaffle", changes: req.body.changes, markdown: "<!-- tutti:ci-impact -->\nreport" } };
        if (req.url.startsWith("https://gh.test/repos/acme/analytics/issues/17/comments?")) return { status: 200, body: comments };
        if (req.method === "PATCH" || req.method === "POST") return { status: 200, body: { html_url: "https://github.com/acme/analytics/pull/17#c" } };
        return { status: 500, body: {} };
      },
    });
  }

  it("compares against the production state locally and sends only the changes and the specs", async () => {
    const f = server();
    expect(await main(["ci", "impact", "--manifest", "target/manifest.json", "--project", "jaffle", "--pipelines", "specs"], f.io)).toBe(0);
    const post = f.requests.find((r) => r.url.endsWith("/ci/impact"))!;
    expect(post.body.changes.modified).toEqual([expect.objectContaining({ unique_id: "model.jaffle_shop.customers", changes: ["body"] })]);
    expect(post.body.pipelines).toEqual([{ file: "specs/orders.yaml", spec_text: "name: orders\nteam: analytics\ntasks: []\n", format: "yaml" }]);
    expect(f.out).toEqual(["<!-- tutti:ci-impact -->\nreport"]);

    const json = server();
    expect(await main(["ci", "impact", "--manifest", "target/manifest.json", "--project", "jaffle", "--format", "json"], json.io)).toBe(0);
    expect(JSON.parse(json.out[0])).toMatchObject({ project: "jaffle" });
  });

  it("--post-github creates the comment, or edits the one with the marker", async () => {
    const fresh = server([{ id: 1, body: "LGTM" }]);
    expect(await main(["ci", "impact", "--manifest", "target/manifest.json", "--project", "jaffle", "--post-github"], fresh.io)).toBe(0);
    const created = fresh.requests.find((r) => r.method === "POST" && r.url.startsWith("https://gh.test"))!;
    expect(created.url).toBe("https://gh.test/repos/acme/analytics/issues/17/comments");
    expect(created.body).toEqual({ body: "<!-- tutti:ci-impact -->\nreport" });
    expect(created.headers.authorization).toBe("Bearer ghs_x");

    const existing = server([{ id: 1, body: "LGTM" }, { id: 99, body: "<!-- tutti:ci-impact -->\nold" }]);
    expect(await main(["ci", "impact", "--manifest", "target/manifest.json", "--project", "jaffle", "--post-github"], existing.io)).toBe(0);
    const patched = existing.requests.find((r) => r.method === "PATCH")!;
    expect(patched.url).toBe("https://gh.test/repos/acme/analytics/issues/comments/99");
    expect(existing.requests.some((r) => r.method === "POST" && r.url.startsWith("https://gh.test"))).toBe(false);
  });
});

describe("tutti push environment", () => {
  const read = async () => JSON.stringify({ repository: { default_branch: "main" } });
  it("pull requests and non-default branches push to ci; the default branch and local pushes to prod", async () => {
    expect(await defaultEnvironment({}, read)).toBe("prod");
    expect(await defaultEnvironment({ GITHUB_ACTIONS: "true", GITHUB_EVENT_NAME: "pull_request", GITHUB_HEAD_REF: "feat" }, read)).toBe("ci");
    expect(await defaultEnvironment({ GITHUB_ACTIONS: "true", GITHUB_EVENT_NAME: "push", GITHUB_REF_NAME: "feat", GITHUB_EVENT_PATH: "e.json" }, read)).toBe("ci");
    expect(await defaultEnvironment({ GITHUB_ACTIONS: "true", GITHUB_EVENT_NAME: "push", GITHUB_REF_NAME: "main", GITHUB_EVENT_PATH: "e.json" }, read)).toBe("prod");
  });

  it("sends the environment with each spec", async () => {
    const f = fakeIO({
      files: { "a.yaml": "name: a\nteam: t\ntasks: []\n" },
      env: { GITHUB_ACTIONS: "true", GITHUB_EVENT_NAME: "pull_request", GITHUB_HEAD_REF: "feat", GITHUB_REPOSITORY: "acme/x" },
      respond: () => ({ status: 200, body: { status: "updated", environment: "ci", dry_run: false, restored: false, pipeline: { name: "a" }, version: { number: 2 }, diff: { tasks_added: [], tasks_removed: [], tasks_changed: [], schedule_changed: false, schedule_before: null, schedule_after: null, other_changes: [], identical: false } } }),
    });
    expect(await main(["push", "a.yaml"], f.io)).toBe(0);
    expect(f.requests[0].body.environment).toBe("ci");
    const explicit = fakeIO({ files: { "a.yaml": "name: a\nteam: t\ntasks: []\n" }, env: { GITHUB_ACTIONS: "true", GITHUB_HEAD_REF: "feat" }, respond: () => ({ status: 200, body: { status: "unchanged", dry_run: false, restored: false, pipeline: { name: "a" }, version: { number: 1 }, diff: {} } }) });
    expect(await main(["push", "a.yaml", "--env", "prod"], explicit.io)).toBe(0);
    expect(explicit.requests[0].body.environment).toBeUndefined();
  });
});
