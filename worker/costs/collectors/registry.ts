import type { CollectorKind } from "../../db/schema";
import { bigQueryCollector } from "./bigquery";
import { databricksCollector } from "./databricks";
import { snowflakeCollector } from "./snowflake";
import type { CostCollector } from "./types";

const collectors: Record<CollectorKind, CostCollector> = {
  snowflake: snowflakeCollector,
  databricks: databricksCollector,
  bigquery: bigQueryCollector,
};

export const collectorFor = (kind: CollectorKind): CostCollector => collectors[kind];
