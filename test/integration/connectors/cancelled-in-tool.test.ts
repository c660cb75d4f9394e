import { describe, expect, it } from "vitest";
import { fakeCredentials } from "../../fakes/credentials";
import { listAlerts, opened, receiverState, webhookChannel, webhookEndpoint } from "../../helpers/alerting";
import { pushPipeline, setupTenant } from "../../helpers/pipelines";
import { createConnection, fakePlan, fakeUrl, pollToEnd, runEvents, startRun, uniqueNumber, type Tool } from "../../helpers/tool-fakes";
import { drain } from "../../helpers/wait";

/**
 * A run someone cancels inside the tool ends the task as cancelled, not failed (CONTRACTS §10: dbt Cloud 30,
 * GitHub conclusion `cancelled`, Airbyte `cancelled`, Databricks result_state `CANCELED`): no retry, no alert.
 */
const cases: Array<{
  tool: Tool;
  kind: string;
  config: () => Record<string, unknown>;
  secrets: Record<string, string>;
  script: () => { key: string | number; with: Record<string, unknown>; plan: Record<string, unknown> };
  reason: string;
}> = [
  {
    tool: "dbt_cloud",
    kind: "dbt_cloud",
    config: () => ({ base_url: fakeUrl("dbt_cloud"), account_id: fakeCredentials.dbt_cloud.accountId, project: "jaffle_shop" }),
    secrets: { api_token: fakeCredentials.dbt_cloud.api_token },
    script: () => {
      const job = uniqueNumber();
      return { key: job, with: { job_id: job }, plan: { polls: 1, outcome: "cancelled" } };
    },
    reason: "the run was cancelled in dbt Cloud",
  },
  {
    tool: "github_actions",
    kind: "github_actions",
    config: () => ({ base_url: fakeUrl("github_actions"), owner: "octo-org", repo: "octo-repo" }),
    secrets: { token: fakeCredentials.github_actions.token },
    script: () => {
      const workflow = `cancel-${crypto.randomUUID().slice(0, 8)}.yml`;
      return { key: workflow, with: { workflow }, plan: { polls: 1, outcome: "cancelled" } };
    },
    reason: "the workflow run was cancelled in GitHub",
  },
  {
    tool: "airbyte",
    kind: "airbyte",
    config: () => ({ base_url: `${fakeUrl("airbyte")}/api/public/v1` }),
    secrets: { api_token: fakeCredentials.airbyte.api_token },
    script: () => {
      const id = crypto.randomUUID();
      return { key: id, with: { connection_id: id }, plan: { polls: 1, outcome: "cancelled" } };
    },
    reason: "the Airbyte job was cancelled in Airbyte",
  },
  {
    tool: "databricks",
    kind: "databricks",
    config: () => ({ base_url: fakeUrl("databricks") }),
    secrets: { token: fakeCredentials.databricks.token },
    script: () => {
      const job = uniqueNumber();
      return { key: job, with: { job_id: job }, plan: { polls: 1, outcome: "CANCELED" } };
    },
    reason: "the run was cancelled in Databricks: Run cancelled.",
  },
];

describe("a run cancelled in the tool", () => {
  it("ends its task and run as cancelled, is not retried and raises no alert, for every tool that reports cancellations", async () => {
    const { s, team } = await setupTenant();
    const endpoint = await webhookEndpoint();
    await webhookChannel(s, team.id, endpoint);
    for (const c of cases) {
      await createConnection(s, team.id, c.kind, `${c.kind.replace(/_/g, "-")}-conn`, c.config(), c.secrets);
      const scripted = c.script();
      await fakePlan(c.tool, scripted.key, scripted.plan);
      await pushPipeline(s, {
        name: `cancelled_${c.kind}`,
        team: team.slug,
        tasks: [
          {
            id: "work",
            connector: c.kind,
            connection: `${c.kind.replace(/_/g, "-")}-conn`,
            with: scripted.with,
            poll_interval: "1s",
            retries: { max: 2, delay: "1s" },
          },
          { id: "after", connector: c.kind, connection: `${c.kind.replace(/_/g, "-")}-conn`, with: scripted.with, depends_on: ["work"] },
        ],
      });
      const run = await startRun(s, `cancelled_${c.kind}`);
      const done = await pollToEnd(s, run.id);
      expect(done.status, c.tool).toBe("cancelled");
      expect(
        done.tasks.map((t) => [t.key, t.status, t.attempt]),
        c.tool,
      ).toEqual([
        ["work", "cancelled", 1],
        ["after", "skipped", 0],
      ]);
      expect(done.tasks[0], c.tool).toMatchObject({ error: null, reason: c.reason });
      expect(
        (await runEvents(s, run.id)).filter((e) => e.task === "work").map((e) => e.to),
        c.tool,
      ).not.toContain("up_for_retry");
    }

    await drain();
    expect(await listAlerts(s)).toEqual([]);
    expect(opened(await receiverState(endpoint.name))).toEqual([]);

    // A failure after them does alert, through the same channel: the silence above is not a broken channel.
    const failingJob = uniqueNumber();
    await fakePlan("dbt_cloud", failingJob, { polls: 0, outcome: "error" });
    await pushPipeline(s, {
      name: "control_failure",
      team: team.slug,
      tasks: [{ id: "build", connector: "dbt_cloud", connection: "dbt-cloud-conn", with: { job_id: failingJob }, poll_interval: "1s" }],
    });
    expect((await pollToEnd(s, (await startRun(s, "control_failure")).id)).status).toBe("failed");
    await drain();
    const received = await receiverState(endpoint.name);

    expect((await listAlerts(s)).map((a) => `${a.kind} ${a.pipeline?.name}`)).toEqual(["run_failed control_failure"]);
    expect(opened(received).map((a) => a.body.data.alert.pipeline.name)).toEqual(["control_failure"]);
  });
});
