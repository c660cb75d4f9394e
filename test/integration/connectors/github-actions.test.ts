import { describe, expect, it } from "vitest";
import { fakeCredentials } from "../../fakes/credentials";
import { api, type Session } from "../../helpers/api";
import { advance, isTerminal, waitForRun } from "../../helpers/engine";
import { pushPipeline, setupTenant } from "../../helpers/pipelines";
import {
  createConnection,
  deliverWebhook,
  fakeComplete,
  fakeOutbox,
  fakePlan,
  fakeRequests,
  fakeUrl,
  firstTask,
  pollToEnd,
  settleWebhooks,
  startRun,
} from "../../helpers/tool-fakes";
import { drain } from "../../helpers/wait";

const creds = fakeCredentials.github_actions;
const uniqueWorkflow = () => `publish-${crypto.randomUUID().slice(0, 8)}.yml`;

async function setup(secrets: Record<string, string> = { token: creds.token, webhook_secret: creds.webhook_secret }) {
  const { s, team } = await setupTenant();
  const conn = await createConnection(
    s,
    team.id,
    "github_actions",
    "gh",
    { base_url: fakeUrl("github_actions"), owner: "octo-org", repo: "octo-repo" },
    secrets,
  );
  return { s, team, conn };
}

async function pipeline(
  s: Session,
  teamSlug: string,
  name: string,
  workflow: string,
  task: Record<string, unknown> = {},
  withExtra: Record<string, unknown> = {},
) {
  await pushPipeline(s, {
    name,
    team: teamSlug,
    params: { day: "2026-11-24" },
    tasks: [{ id: "publish", connector: "github_actions", connection: "gh", with: { workflow, ...withExtra }, poll_interval: "1s", ...task }],
  });
}

const dispatchPath = (workflow: string) => `/repos/octo-org/octo-repo/actions/workflows/${workflow}/dispatches`;

describe("GitHub Actions connector against its fake", () => {
  it("dispatches with string inputs and return_run_details, follows the run to success", async () => {
    const { s, team } = await setup();
    const workflow = uniqueWorkflow();
    await fakePlan("github_actions", workflow, { polls: 2, outcome: "success", inputs: ["day", "dry_run", "retries"] });
    await pipeline(s, team.slug, "gh_ok", workflow, {}, { ref: "release", inputs: { day: "{{params.day}}", dry_run: false, retries: 2 } });
    const run = await startRun(s, "gh_ok");
    const done = await pollToEnd(s, run.id);
    expect(done.status).toBe("succeeded");
    const task = firstTask(done);
    expect(task.external_url).toBe(`${fakeUrl("github_actions")}/octo-org/octo-repo/actions/runs/${task.external_id}`);
    const [dispatch] = await fakeRequests("github_actions", dispatchPath(workflow));
    expect(dispatch.headers).toMatchObject({
      authorization: `Bearer ${creds.token}`,
      accept: "application/vnd.github+json",
      "x-github-api-version": "2022-11-28",
    });
    expect(JSON.parse(dispatch.body)).toEqual({ ref: "release", inputs: { day: "2026-11-24", dry_run: "false", retries: "2" }, return_run_details: true });
  });

  it("without run details (204), finds its run by the correlation input shown in the run name", async () => {
    const { s, team } = await setup();
    const workflow = uniqueWorkflow();
    await fakePlan("github_actions", workflow, { polls: 1, legacy_204: true, inputs: ["tutti_run"], run_name_input: "tutti_run" });
    await pipeline(s, team.slug, "gh_204", workflow, {}, { correlation_input: "tutti_run" });
    const run = await startRun(s, "gh_204");
    const done = await pollToEnd(s, run.id);
    expect(done.status).toBe("succeeded");
    const [dispatch] = await fakeRequests("github_actions", dispatchPath(workflow));
    expect(JSON.parse(dispatch.body).inputs).toEqual({ tutti_run: `tutti:${run.id}:publish:1` });
    expect(firstTask(done).external_id).toMatch(/^\d+$/);
  });

  it("without run details (204), finds the run of a dispatch to a full ref by the short branch name GitHub reports", async () => {
    const { s, team } = await setup();
    for (const [name, ref] of [
      ["gh_full_ref", "refs/heads/main"],
      ["gh_short_ref", "main"],
    ]) {
      const workflow = uniqueWorkflow();
      await fakePlan("github_actions", workflow, { polls: 1, legacy_204: true });
      await pipeline(s, team.slug, name, workflow, {}, { ref });
      const run = await startRun(s, name);
      const done = await pollToEnd(s, run.id);
      expect(done.status, ref).toBe("succeeded");
      const [dispatch] = await fakeRequests("github_actions", dispatchPath(workflow));
      expect(JSON.parse(dispatch.body).ref, ref).toBe(ref);
      // GitHub's runs list filters on head_branch, which is `main` for either form of the ref.
      const listed = await fakeRequests("github_actions", `/repos/octo-org/octo-repo/actions/workflows/${workflow}/runs?`);
      expect(listed.length, ref).toBeGreaterThan(0);
      for (const r of listed) expect(new URL(r.path, "http://x").searchParams.get("branch"), ref).toBe("main");
      const found = await api(`/runs/${run.id}`, { as: s });
      expect(found.json.tasks[0].external_id, ref).toMatch(/^\d+$/);
    }
  });

  it("a failed workflow run fails the task with its conclusion", async () => {
    const { s, team } = await setup();
    const workflow = uniqueWorkflow();
    await fakePlan("github_actions", workflow, { polls: 1, outcome: "failure" });
    await pipeline(s, team.slug, "gh_fail", workflow);
    const done = await pollToEnd(s, (await startRun(s, "gh_fail")).id);
    expect(firstTask(done)).toMatchObject({ status: "failed", error: { kind: "tool_failure", message: "the workflow run ended failure" } });
  });

  it("bad credentials fail as auth; undeclared inputs as a config error; neither is retried", async () => {
    const bad = await setup({ token: "ghp_wrong" });
    await pipeline(bad.s, bad.team.slug, "gh_auth", uniqueWorkflow(), { retries: { max: 3, delay: "1s" } });
    const authFailed = await waitForRun(bad.s, (await startRun(bad.s, "gh_auth")).id, isTerminal);
    expect(authFailed.tasks[0]).toMatchObject({ status: "failed", attempt: 1, error: { kind: "auth", message: expect.stringContaining("Bad credentials") } });

    const good = await setup();
    const workflow = uniqueWorkflow();
    await fakePlan("github_actions", workflow, { inputs: ["day"] });
    await pipeline(good.s, good.team.slug, "gh_422", workflow, { retries: { max: 3, delay: "1s" } }, { inputs: { environment: "prod" } });
    const rejected = await waitForRun(good.s, (await startRun(good.s, "gh_422")).id, isTerminal);
    expect(rejected.tasks[0]).toMatchObject({
      status: "failed",
      attempt: 1,
      error: { kind: "invalid_config", message: expect.stringContaining("Unexpected inputs provided") },
    });
  });

  it("an exhausted rate limit (403, x-ratelimit-remaining: 0) waits until the reset time", async () => {
    const { s, team } = await setup();
    const workflow = uniqueWorkflow();
    const reset = Math.floor(Date.now() / 1000) + 90;
    await fakePlan("github_actions", workflow, {
      polls: 0,
      errors: {
        dispatch: [
          { status: 403, headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) }, body: { message: "API rate limit exceeded" } },
        ],
      },
    });
    await pipeline(s, team.slug, "gh_403", workflow, { retries: { max: 2, delay: "1s", jitter: false } });
    const run = await startRun(s, "gh_403");
    const waiting = await waitForRun(s, run.id, (r) => r.tasks[0].status === "up_for_retry");
    expect(firstTask(waiting).error?.kind).toBe("rate_limited");
    await advance(s.tenant.id, 60_000);
    expect((await waitForRun(s, run.id, () => true)).tasks[0].status).toBe("up_for_retry");
    await advance(s.tenant.id, 35_000);
    expect(await pollToEnd(s, run.id)).toMatchObject({ status: "succeeded", tasks: [{ attempt: 2 }] });
  });

  it("cancelling the run cancels the workflow run", async () => {
    const { s, team } = await setup();
    const workflow = uniqueWorkflow();
    await fakePlan("github_actions", workflow, { polls: 1000 });
    await pipeline(s, team.slug, "gh_cancel", workflow);
    const run = await startRun(s, "gh_cancel");
    const runId = firstTask(await waitForRun(s, run.id, (r) => r.tasks[0].status === "triggered")).external_id;
    await api(`/runs/${run.id}/cancel`, { as: s, method: "POST" });
    await drain();
    expect((await fakeRequests("github_actions", `/repos/octo-org/octo-repo/actions/runs/${runId}/cancel`)).length).toBe(1);
  });

  it("a task timeout fails the task and cancels the workflow run", async () => {
    const { s, team } = await setup();
    const workflow = uniqueWorkflow();
    await fakePlan("github_actions", workflow, { polls: 1000 });
    await pipeline(s, team.slug, "gh_timeout", workflow, { timeout: "30s", poll_interval: "10s" });
    const run = await startRun(s, "gh_timeout");
    const runId = firstTask(await waitForRun(s, run.id, (r) => r.tasks[0].status === "triggered")).external_id;
    await advance(s.tenant.id, 31_000);
    expect((await waitForRun(s, run.id, isTerminal)).tasks[0]).toMatchObject({ status: "timed_out" });
    await drain();
    expect((await fakeRequests("github_actions", `/repos/octo-org/octo-repo/actions/runs/${runId}/cancel`)).length).toBe(1);
  });

  it("the webhook path and the polling path reach the same final state", async () => {
    const hooked = await setup();
    const workflow = uniqueWorkflow();
    await fakePlan("github_actions", workflow, { polls: 1000, outcome: "timed_out" });
    await pipeline(hooked.s, hooked.team.slug, "gh_hooked", workflow, { poll_interval: "1h" });
    const run = await startRun(hooked.s, "gh_hooked");
    await waitForRun(hooked.s, run.id, (r) => r.tasks[0].status === "triggered");
    await fakeComplete("github_actions", workflow, "timed_out");
    const outbox = await fakeOutbox("github_actions", workflow);
    expect(outbox.map((d) => d.event)).toEqual(["workflow_run.requested", "workflow_run.completed"]);
    for (const delivery of outbox) expect((await deliverWebhook("github_actions", hooked.conn.id, delivery)).status).toBe(200);
    await settleWebhooks(hooked.s, run.id, outbox.length);
    const viaWebhook = await waitForRun(hooked.s, run.id, isTerminal);

    const polled = await setup();
    const workflow2 = uniqueWorkflow();
    await fakePlan("github_actions", workflow2, { polls: 1, outcome: "timed_out" });
    await pipeline(polled.s, polled.team.slug, "gh_polled", workflow2);
    const viaPolling = await pollToEnd(polled.s, (await startRun(polled.s, "gh_polled")).id);
    expect([viaWebhook.status, firstTask(viaWebhook).error]).toEqual([viaPolling.status, firstTask(viaPolling).error]);
    expect(firstTask(viaWebhook).error?.message).toBe("the workflow run ended timed_out");
  });

  it("tests the connection against the configured repository", async () => {
    const good = await setup();
    expect((await api(`/connections/${good.conn.id}/test`, { as: good.s, method: "POST" })).json).toEqual({
      ok: true,
      message: "the token can see octo-org/octo-repo",
    });
  });
});
