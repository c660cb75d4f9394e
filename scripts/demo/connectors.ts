import { fakeCredentials } from "../../test/fakes/credentials";
import { planFake, pointWebhooks } from "../../test/fakes/serve";
import type { ToolFakeUrls } from "../../test/fakes/tools";
import type { DemoClient } from "./client";

const FIVETRAN_CONNECTION = "crm_postgres";
const DBT_JOB = 1;
const WORKFLOW = "publish.yml";

/**
 * The cross-tool pipeline of the demo: a Fivetran sync, then a dbt Cloud job, then a GitHub Actions workflow,
 * each on its fake (which signs and sends its webhooks back to Tutti, as the real tool would once registered).
 */
export async function seedConnectorsDemo(client: DemoClient, opts: { tuttiUrl: string; fakes: ToolFakeUrls }) {
  const me = await client.get<{ teams: Array<{ id: string; slug: string }> }>("/me");
  const team = me.teams[0];
  const { fivetran, dbt_cloud: dbt, github_actions: github } = fakeCredentials;

  const connections = {
    fivetran: await client.ensureConnection(
      team.id,
      "fivetran-crm",
      "fivetran",
      { base_url: opts.fakes.fivetran, dashboard_url: `${opts.fakes.fivetran}/dashboard` },
      { api_key: fivetran.api_key, api_secret: fivetran.api_secret, webhook_secret: fivetran.webhook_secret },
    ),
    dbt_cloud: await client.ensureConnection(
      team.id,
      "dbt-cloud",
      "dbt_cloud",
      { base_url: opts.fakes.dbt_cloud, account_id: dbt.accountId, project: "jaffle_shop" },
      { api_token: dbt.api_token, webhook_secret: dbt.webhook_secret },
    ),
    github_actions: await client.ensureConnection(
      team.id,
      "github",
      "github_actions",
      { base_url: opts.fakes.github_actions, owner: "acme", repo: "dashboards" },
      { token: github.token, webhook_secret: github.webhook_secret },
    ),
  };
  for (const [tool, conn] of Object.entries(connections) as Array<[keyof typeof connections, { id: string }]>) {
    await pointWebhooks(tool, opts.fakes[tool], opts.tuttiUrl, conn.id);
  }
  await planFake(opts.fakes.fivetran, FIVETRAN_CONNECTION, { polls: 2, outcome: "success" });
  await planFake(opts.fakes.dbt_cloud, DBT_JOB, { polls: 3, outcome: "success" });
  await planFake(opts.fakes.github_actions, WORKFLOW, { polls: 2, outcome: "success" });

  const name = "crm_to_dashboards";
  await client.push({
    name,
    team: team.slug,
    description: "Sample: Fivetran syncs the CRM, dbt Cloud builds the jaffle_shop models, GitHub Actions publishes the dashboards",
    schedule: { cron: "0 6 * * *", timezone: "Europe/London" },
    products: ["growth_funnel"],
    tasks: [
      { id: "sync_crm", connector: "fivetran", connection: "fivetran-crm", with: { connection_id: FIVETRAN_CONNECTION }, poll_interval: "5s" },
      { id: "build_models", connector: "dbt_cloud", connection: "dbt-cloud", with: { job_id: DBT_JOB }, depends_on: ["sync_crm"], poll_interval: "5s" },
      {
        id: "publish_dashboards",
        connector: "github_actions",
        connection: "github",
        with: { workflow: WORKFLOW },
        depends_on: ["build_models"],
        poll_interval: "5s",
      },
    ],
  });
  const run = await client.post<{ id: string }>(`/pipelines/${name}/runs`, { params: {} });
  return { pipeline: name, run: run.data.id };
}
