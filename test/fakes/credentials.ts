/**
 * Credentials the tool fakes accept, shared by the fakes (Node), the tests (workerd) and `npm run demo`.
 * They are test values, valid nowhere else.
 */
export const fakeCredentials = {
  dbt_cloud: { accountId: 4242, api_token: "dbtc_fake_service_token", webhook_secret: "fake-dbt-webhook-secret" },
  fivetran: { api_key: "fake_fivetran_key", api_secret: "fake_fivetran_secret", webhook_secret: "fake-fivetran-webhook-secret" },
  airbyte: {
    client_id: "fake-airbyte-client",
    client_secret: "fake-airbyte-client-secret",
    api_token: "fake-airbyte-api-token",
    webhook_secret: "fake-airbyte-url-token",
  },
  databricks: { token: "dapi-fake-databricks-token", webhook_secret: "fake-databricks-webhook-password" },
  snowflake: { account: "FAKEORG-FAKEACCOUNT", user: "TUTTI", token: "fake-snowflake-oauth-token" },
  github_actions: { token: "ghp_fakegithubtoken", webhook_secret: "fake-github-webhook-secret" },
} as const;

/** Fixed ports of `npm run demo` (test runs pick free ports). */
export const demoPorts = {
  http: 8790,
  dbt_cloud: 8791,
  fivetran: 8792,
  airbyte: 8793,
  databricks: 8794,
  snowflake: 8795,
  github_actions: 8796,
  bigquery: 8797,
  aws_ce: 8798,
  looker: 8799,
  powerbi: 8800,
} as const;
