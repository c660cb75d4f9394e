import type { CollectorKind } from "../../db/schema";
import { airbyteCollector } from "./airbyte";
import { awsCollector } from "./aws";
import { bigQueryCollector } from "./bigquery";
import { databricksCollector } from "./databricks";
import { fivetranCollector } from "./fivetran";
import { lookerCollector } from "./looker";
import { powerBiCollector } from "./powerbi";
import { snowflakeCollector } from "./snowflake";
import type { CostCollector } from "./types";

const collectors: Record<CollectorKind, CostCollector> = {
  snowflake: snowflakeCollector,
  databricks: databricksCollector,
  bigquery: bigQueryCollector,
  aws: awsCollector,
  airbyte: airbyteCollector,
  fivetran: fivetranCollector,
  looker: lookerCollector,
  powerbi: powerBiCollector,
};

export const collectorFor = (kind: CollectorKind): CostCollector => collectors[kind];
