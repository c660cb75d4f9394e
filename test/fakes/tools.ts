import { startAirbyteFake } from "./airbyte/server";
import { startAwsCostExplorerFake } from "./aws-ce/server";
import { startBigQueryFake } from "./bigquery/server";
import { fakeCredentials } from "./credentials";
import { startDatabricksFake } from "./databricks/server";
import { startDbtCloudFake } from "./dbt-cloud/server";
import { startFivetranFake } from "./fivetran/server";
import { startGitHubActionsFake } from "./github-actions/server";
import type { FakeServer } from "./http-server";
import { startLookerFake } from "./looker/server";
import { startPowerBiFake } from "./powerbi/server";
import { startSnowflakeFake } from "./snowflake/server";

export type ToolFakeUrls = Record<
  "dbt_cloud" | "fivetran" | "airbyte" | "databricks" | "snowflake" | "bigquery" | "github_actions" | "aws_ce" | "looker" | "powerbi",
  string
>;

/**
 * Starts one fake per tool with the shared fake credentials. Tests pass no ports (free ports);
 * `npm run demo` passes fixed ones and a step interval so runs progress without polling.
 */
export async function startToolFakes(options: { ports?: Partial<Record<keyof ToolFakeUrls, number>>; autoAdvanceMs?: number } = {}) {
  const ports = options.ports ?? {};
  const { dbt_cloud: dbt, fivetran, airbyte, databricks, snowflake, github_actions: github } = fakeCredentials;
  const autoAdvanceMs = options.autoAdvanceMs;
  const servers: Record<keyof ToolFakeUrls, FakeServer> = {
    dbt_cloud: await startDbtCloudFake({
      token: dbt.api_token,
      accountId: dbt.accountId,
      webhookSecret: dbt.webhook_secret,
      port: ports.dbt_cloud,
      autoAdvanceMs,
    }),
    fivetran: await startFivetranFake({
      apiKey: fivetran.api_key,
      apiSecret: fivetran.api_secret,
      webhookSecret: fivetran.webhook_secret,
      port: ports.fivetran,
      autoAdvanceMs,
    }),
    airbyte: await startAirbyteFake({
      clientId: airbyte.client_id,
      clientSecret: airbyte.client_secret,
      apiToken: airbyte.api_token,
      port: ports.airbyte,
      autoAdvanceMs,
    }),
    databricks: await startDatabricksFake({ token: databricks.token, webhookSecret: databricks.webhook_secret, port: ports.databricks, autoAdvanceMs }),
    snowflake: await startSnowflakeFake({ account: snowflake.account, token: snowflake.token, port: ports.snowflake, autoAdvanceMs }),
    bigquery: await startBigQueryFake({ port: ports.bigquery, autoAdvanceMs }),
    github_actions: await startGitHubActionsFake({ token: github.token, webhookSecret: github.webhook_secret, port: ports.github_actions, autoAdvanceMs }),
    // Cost Explorer data and keys are registered per test (PUT /__fake/accounts/{access_key_id}).
    aws_ce: await startAwsCostExplorerFake({ port: ports.aws_ce }),
    // BI usage is registered per test too (PUT /__fake/instances/{client_id}, /__fake/principals/{client_id}).
    looker: await startLookerFake({ port: ports.looker }),
    powerbi: await startPowerBiFake({ port: ports.powerbi }),
  };
  const urls = Object.fromEntries(Object.entries(servers).map(([k, s]) => [k, s.url])) as ToolFakeUrls;
  return { urls, servers, close: () => Promise.all(Object.values(servers).map((s) => s.close())).then(() => undefined) };
}
