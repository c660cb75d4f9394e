import { z } from "@hono/zod-openapi";
import type { Dataset } from "../../db/repo/lineage/catalog";
import type { FreshnessStatus } from "../../lineage/freshness";
import { documentationOf, schemaFieldsOf } from "../../lineage/openlineage-facets";
import type { Facets } from "../../lineage/openlineage";
import { TeamRef, teamRefOut } from "../lineage/catalog-schemas";
import { isoOrNull, timestamp } from "../shared";

export const DatasetSummary = z
  .object({
    id: z.string().openapi({ example: "ds_4k2m9q0x1n5b6v7c8z3a" }),
    namespace: z.string().openapi({ example: "snowflake://acme-prod" }),
    name: z.string().openapi({ example: "ANALYTICS.MARTS.REVENUE" }),
    kind: z.string().openapi({ description: "dataset (unknown), table, view, topic…, or the dbt resource type (model, seed, snapshot, source, exposure…)" }),
    owner_team: TeamRef,
    tags: z.array(z.string()),
    last_write_at: timestamp.nullable(),
    updated_at: timestamp,
  })
  .openapi("DatasetSummary");

export const DatasetList = z.object({ items: z.array(DatasetSummary), next_cursor: z.string().nullable() }).openapi("DatasetList");

// Nested fields keep the same shape. The OpenAPI generator cannot walk a recursive zod schema, so the array
// says so with a reference to this schema itself.
const SchemaFieldOut = z
  .object({
    name: z.string(),
    type: z.string().nullable(),
    description: z.string().nullable(),
    fields: z
      .array(z.any())
      .optional()
      .openapi({ description: "Nested fields (structs), each of this same shape", items: { $ref: "#/components/schemas/SchemaField" } }),
  })
  .openapi("SchemaField");

export const FreshnessOut = z
  .object({
    policy: z.object({ cron: z.string(), timezone: z.string(), max_age_seconds: z.number().int() }).nullable(),
    state: z.enum(["fresh", "late", "unknown", "no_policy"]),
    deadline: timestamp.nullable().openapi({ description: "The latest expected-by time at or before now" }),
    next_deadline: timestamp.nullable(),
    last_write_at: timestamp.nullable(),
  })
  .openapi("DatasetFreshness");

export const DatasetOut = DatasetSummary.extend({
  description: z.string().nullable().openapi({ description: "Set by a person, else the documentation facet" }),
  schema: z.array(SchemaFieldOut).nullable().openapi({ description: "Fields of the schema facet (OpenLineage or dbt columns)" }),
  facets: z
    .record(z.string(), z.record(z.string(), z.unknown()))
    .openapi({ description: "Current dataset facets by name (same-name facets replace earlier ones)" }),
  last_write_run_id: z.string().nullable(),
  freshness: FreshnessOut,
  created_at: timestamp,
}).openapi("Dataset");

export const summaryOut = (d: Dataset, teamName: string | null) => ({
  id: d.id,
  namespace: d.namespace,
  name: d.name,
  kind: d.kind,
  owner_team: teamRefOut(d.ownerTeamId, teamName),
  tags: d.tags,
  last_write_at: isoOrNull(d.lastWriteAt),
  updated_at: new Date(d.updatedAt).toISOString(),
});

export function datasetOut(d: Dataset, teamName: string | null, facets: Facets, freshness: FreshnessStatus | null) {
  return {
    ...summaryOut(d, teamName),
    description: d.description ?? documentationOf(facets),
    schema: schemaFieldsOf(facets),
    facets,
    last_write_run_id: d.lastWriteRunId,
    freshness: freshness
      ? {
          policy: { cron: d.freshnessCron!, timezone: d.freshnessTimezone!, max_age_seconds: Math.round(d.freshnessMaxAgeMs! / 1000) },
          state: freshness.state,
          deadline: isoOrNull(freshness.deadline),
          next_deadline: isoOrNull(freshness.nextDeadline),
          last_write_at: isoOrNull(d.lastWriteAt),
        }
      : { policy: null, state: "no_policy" as const, deadline: null, next_deadline: null, last_write_at: isoOrNull(d.lastWriteAt) },
    created_at: new Date(d.createdAt).toISOString(),
  };
}
