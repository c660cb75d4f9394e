import { beforeAll, describe, expect, it } from "vitest";
import { parseInitArgs } from "../../cli/commands/init";
import { UsageError } from "../../cli/io";
import { pipelineTemplates, templateById } from "../../worker/pipelines/templates";
import { cliWorkspace, type CliWorkspace } from "./workspace";

describe("tutti init: argument parsing", () => {
  it("defaults to the first template, a name from its id, a placeholder team and specs/<name>.yaml", () => {
    expect(parseInitArgs([])).toEqual({
      template: "ingest-transform-publish",
      name: "ingest_transform_publish",
      team: "my-team",
      out: "specs/ingest_transform_publish.yaml",
      force: false,
      list: false,
      json: false,
    });
    expect(parseInitArgs(["dbt-slim-ci", "--name", "pr_checks", "--team", "analytics", "--out", "p.yaml", "--force"])).toMatchObject({
      template: "dbt-slim-ci",
      name: "pr_checks",
      team: "analytics",
      out: "p.yaml",
      force: true,
    });
  });

  it("refuses an unknown template (listing the others), a name or team Tutti would refuse, and two templates", () => {
    expect(() => parseInitArgs(["nope"])).toThrow(/no template "nope"; templates: ingest-transform-publish, dbt-slim-ci, freshness-checked-product, http-call/);
    expect(() => parseInitArgs(["--name", "Bad Name"])).toThrow(UsageError);
    expect(() => parseInitArgs(["--team", "Team_1"])).toThrow(/not a team slug/);
    expect(() => parseInitArgs(["dbt-slim-ci", "ingest-transform-publish"])).toThrow(/at most one template/);
  });
});

describe("tutti init", () => {
  let w: CliWorkspace;
  beforeAll(async () => {
    w = await cliWorkspace("init");
  });

  it("writes the template the dashboard offers, keeps an existing file unless --force, and the file pushes once its placeholders are real", async () => {
    const team = w.owner.team.slug;
    const made = await w.run(["init", "dbt-slim-ci", "--name", "pr_checks", "--team", team]);
    expect(made.code).toBe(0);
    expect(made.out[0]).toBe("specs/pr_checks.yaml: wrote pipeline pr_checks from the dbt-slim-ci template");
    expect(made.out.at(-1)).toBe("  tutti push --dry-run specs/pr_checks.yaml");
    const text = w.read("specs/pr_checks.yaml");
    expect(text).toBe(templateById("dbt-slim-ci")!.render({ name: "pr_checks", team }));

    // Run again: the file is kept (exit 1); --force replaces it.
    w.write("specs/pr_checks.yaml", "# my edits\n");
    const again = await w.run(["init", "dbt-slim-ci", "--name", "pr_checks", "--team", team]);
    expect(again.code).toBe(1);
    expect(again.err[0]).toMatch(/specs\/pr_checks.yaml already exists/);
    expect(w.read("specs/pr_checks.yaml")).toBe("# my edits\n");
    expect((await w.run(["init", "dbt-slim-ci", "--name", "pr_checks", "--team", team, "--force"])).code).toBe(0);
    expect(w.read("specs/pr_checks.yaml")).toBe(text);

    // Tutti accepts the spec except the connection it names as a placeholder, and says where that is.
    const dry = await w.run(["push", "--dry-run", "specs/pr_checks.yaml"]);
    expect(dry.code).toBe(1);
    const lines = text.split("\n");
    const line = lines.findIndex((l) => /^\s*connection: dbt$/.test(l)) + 1;
    const column = lines[line - 1].indexOf("connection") + 1;
    expect(dry.err).toEqual([`specs/pr_checks.yaml:${line}:${column}: tasks[0].connection: team "${team}" has no connection named "dbt"`]);
    await w.owner.call("POST", "/connections", {
      team_id: w.owner.team.id,
      name: "dbt",
      kind: "dbt_cloud",
      config: { account_id: 1 },
      secrets: { api_token: "dbt-token" },
    });
    const fixed = await w.run(["push", "--dry-run", "specs/pr_checks.yaml"]);
    expect(fixed.err).toEqual([]);
    expect(fixed.code).toBe(0);
    expect(fixed.out[0]).toBe("specs/pr_checks.yaml: would create pr_checks (version 1)");
  });

  it("--list names every template; --json prints what was written", async () => {
    const list = await w.run(["init", "--list", "--json"]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.out.join("\n")).map((t: { id: string }) => t.id)).toEqual(pipelineTemplates.map((t) => t.id));
    const made = await w.run(["init", "freshness-checked-product", "--json"]);
    expect(made.code).toBe(0);
    expect(JSON.parse(made.out.join("\n"))).toEqual({
      template: "freshness-checked-product",
      name: "freshness_checked_product",
      team: "my-team",
      file: "specs/freshness_checked_product.yaml",
    });
  });
});
