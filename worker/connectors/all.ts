import { airbyteConnector } from "./airbyte/connector";
import { bigQueryConnector } from "./bigquery/connector";
import { databricksConnector } from "./databricks/connector";
import { dbtCloudConnector } from "./dbt-cloud/connector";
import { fivetranConnector } from "./fivetran/connector";
import { gitHubActionsConnector } from "./github-actions/connector";
import { httpConnector } from "./http/connector";
import { snowflakeConnector } from "./snowflake/connector";
import type { ConnectorDefinition } from "./types";

/** Every connector Tutti ships; add new ones here. */
// biome-ignore lint/suspicious/noExplicitAny: each connector has its own config and input types; the list holds them all
export const connectors: ConnectorDefinition<any, any>[] = [
  httpConnector,
  dbtCloudConnector,
  fivetranConnector,
  airbyteConnector,
  databricksConnector,
  snowflakeConnector,
  bigQueryConnector,
  gitHubActionsConnector,
];
