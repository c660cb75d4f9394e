import { jobTask } from "../../test/fakes/http-tool/task";
import type { DemoClient } from "./client";

/** A task on the fake job tool; `behaviour` tells the fake how the job behaves (polls, outcome, fail_times). */
const job = (id: string, behaviour: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  jobTask(id, behaviour, { poll_interval: "2s", ...extra }, "job-tool");

/** An OpenLineage COMPLETE saying a job wrote `outputs` at `at` (what ingest_orders' load task would report). */
function complete(job: { namespace: string; name: string }, outputs: string[], at: number) {
  return {
    eventType: "COMPLETE",
    eventTime: new Date(at).toISOString(),
    producer: "https://github.com/tutti/demo",
    schemaURL: "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    run: { runId: crypto.randomUUID() },
    job,
    inputs: [],
    outputs: outputs.map((name) => ({ namespace: DEMO_NAMESPACE, name })),
  };
}

const DEMO_NAMESPACE = "snowflake://demo";

/**
 * Pipelines on the fake job tool: a scheduled ingest, revenue marts triggered after it (one flaky task
 * that succeeds on its third attempt), an export that fails, and an order-quality check triggered by the
 * ingest's dataset (a dataset trigger, fed by lineage) — then one run of each.
 */
export async function seedEngineDemo(client: DemoClient, opts: { toolUrl: string; now?: number }) {
  const now = opts.now ?? Date.now();
  const me = await client.get<{ teams: Array<{ id: string; slug: string }> }>("/me");
  const team = me.teams[0];
  await client.ensureConnection(team.id, "job-tool", "http", { base_url: opts.toolUrl }, {});
  const specs = [
    {
      name: "ingest_orders",
      team: team.slug,
      description: "Sample: pulls orders from the shop database every 15 minutes",
      schedule: { cron: "*/15 * * * *", timezone: "Europe/London" },
      tasks: [job("extract_orders", { polls: 3 }), job("load_orders", { polls: 2 }, { depends_on: ["extract_orders"] })],
    },
    {
      name: "daily_revenue",
      team: team.slug,
      description: "Sample: revenue marts for the finance dashboards, built after each ingest",
      triggers: [{ after: "ingest_orders", on: "success" }],
      sla: { finish_by: "08:00", timezone: "Europe/London" },
      products: ["finance_revenue"],
      tasks: [
        job("stage_orders", { polls: 2 }),
        job(
          "build_marts",
          { polls: 3, fail_times: 2, key: "{{run_id}}-build_marts" },
          { depends_on: ["stage_orders"], retries: { max: 3, backoff: "exponential", delay: "3s" } },
        ),
        job("refresh_dashboard", {}, { depends_on: ["build_marts"] }),
        job("notify_on_failure", {}, { depends_on: ["build_marts"], run_if: "any_failed" }),
      ],
    },
    {
      name: "partner_export",
      team: team.slug,
      description: "Sample: nightly file export to a partner SFTP — fails to show what a failure looks like",
      schedule: { cron: "0 2 * * *", timezone: "Europe/London" },
      tasks: [
        job("render_files", { polls: 1 }),
        job("upload_sftp", { polls: 2, outcome: "failed", message: "SFTP server refused the login (demo failure)" }, { depends_on: ["render_files"] }),
      ],
    },
  ];
  for (const spec of specs) await client.push(spec);
  // ingest_orders' load task reports what it wrote (a Tutti task's lineage), which puts RAW.ORDERS in the catalog;
  // orders_quality then runs whenever RAW.ORDERS is updated, whoever writes it — no cron guessing.
  const loadJob = { namespace: "tutti", name: "ingest_orders.load_orders" };
  await client.post("/lineage/batch", [complete(loadJob, ["RAW.ORDERS"], now - 3_600_000)]);
  const datasetTriggered = {
    name: "orders_quality",
    team: team.slug,
    description: "Sample: checks new orders each time RAW.ORDERS is updated (a dataset trigger)",
    triggers: [{ datasets: [{ namespace: DEMO_NAMESPACE, name: "RAW.ORDERS" }] }],
    tasks: [job("check_orders", { polls: 1 })],
  };
  await client.push(datasetTriggered);
  await client.post("/lineage/batch", [complete(loadJob, ["RAW.ORDERS"], now - 60_000)]);
  const runs: string[] = [];
  for (const name of ["ingest_orders", "partner_export"]) {
    const res = await client.post<{ id: string }>(`/pipelines/${name}/runs`, { params: {} });
    runs.push(res.data.id);
  }
  return { pipelines: [...specs.map((s) => s.name), datasetTriggered.name], runs };
}
