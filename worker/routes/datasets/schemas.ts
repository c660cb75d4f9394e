import { z } from "@hono/zod-openapi";
import type { Dataset } from "../../db/repo/lineage/catalog";
import { checkStates } from "../../lineage/dataset-health";
import { datasetOwnerSources, effectiveDatasetOwner } from "../../lineage/dataset-owner";
import type { FreshnessStatus } from "../../lineage/freshness";
import { documentationOf, schemaFieldsOf } from "../../lineage/openlineage-facets";
import type { Facets } from "../../lineage/openlineage";
import { JobRef, TeamRef, teamRefOut } from "../lineage/catalog-schemas";
import { jobRunSources, jobRunStates } from "../../db/schema/enums";
import { isoOrNull, timestamp } from "../shared";

export const DatasetSummary = z
  .object({
    id: z.string().openapi({ example: "ds_4k2m9q0x1n5b6v7c8z3a" }),
    namespace: z.string().openapi({ example: "snowflake://acme-prod" }),
    name: z.string().openapi({ example: "ANALYTICS.MARTS.REVENUE" }),
    kind: z.string().openapi({ description: "dataset (unknown), table, view, topic…, or the dbt resource type (model, seed, snapshot, source, exposure…)" }),
    owner_team: TeamRef.openapi({ description: "The effective owner: the team set on the dataset, else the team of the Tutti pipeline that writes it" }),
    owner_source: z
      .enum(datasetOwnerSources)
      .nullable()
      .openapi({ description: "declared: set on the dataset; writer: inherited from the writing pipeline's team; null: no owner" }),
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

export const DatasetQualityOut = z
  .object({
    state: z
      .enum(checkStates)
      .openapi({ description: "failing if any check fails or errors, else warning if any warns, else passing; no_checks without results" }),
    checks: z.number().int().openapi({ description: "Checks (per check and column) with a latest result in the window, skipped left out" }),
    passing: z.number().int(),
    warning: z.number().int(),
    failing: z.number().int().openapi({ description: "Latest result fail or error" }),
    window_days: z.number().int().openapi({ description: "Only results observed in this many days count" }),
  })
  .openapi("DatasetQuality");

export const LastWriteOut = z
  .object({
    at: timestamp.openapi({ description: "End of the write: the dataset's last_write_at" }),
    job: JobRef,
    run: z.object({
      id: z.string(),
      source: z.enum(jobRunSources),
      state: z.enum(jobRunStates),
      tutti_run_id: z.string().nullable(),
      tutti_task_key: z.string().nullable(),
    }),
    producer: z.string().nullable().openapi({ description: "The `producer` of the run's latest OpenLineage event; null for dbt and Tutti runs" }),
    row_count: z.number().int().nullable().openapi({ description: "Rows the run reported writing (outputStatistics, dbt adapter response)" }),
    bytes: z.number().int().nullable(),
  })
  .openapi("DatasetLastWrite");

export const DatasetProductRef = z.object({ id: z.string(), name: z.string(), owner_team: TeamRef }).openapi("DatasetProductRef");

export const DatasetOut = DatasetSummary.extend({
  description: z.string().nullable().openapi({ description: "Set by a person, else the documentation facet" }),
  schema: z.array(SchemaFieldOut).nullable().openapi({ description: "Fields of the schema facet (OpenLineage or dbt columns)" }),
  facets: z
    .record(z.string(), z.record(z.string(), z.unknown()))
    .openapi({ description: "Current dataset facets by name (same-name facets replace earlier ones)" }),
  last_write_run_id: z.string().nullable(),
  freshness: FreshnessOut,
  quality: DatasetQualityOut,
  last_write: z.union([LastWriteOut, z.null()]),
  products: z
    .array(DatasetProductRef)
    .openapi({ description: "Data products that claim the dataset (picked, tagged, by pattern or written by their pipelines)" }),
  first_seen_at: timestamp.openapi({ description: "Catalog entry, or the earliest run that read or wrote it when older" }),
  created_at: timestamp.openapi({ description: "When the catalog entry was made" }),
}).openapi("Dataset");

/** A dataset row as the catalog reads return it: the row, its writing pipeline's team and the owner team's name. */
export interface DatasetRow {
  d: Dataset;
  writerTeamId: string | null;
  teamName: string | null;
}

export const summaryOut = ({ d, writerTeamId, teamName }: DatasetRow) => {
  const owner = effectiveDatasetOwner(d.ownerTeamId, writerTeamId);
  return {
    id: d.id,
    namespace: d.namespace,
    name: d.name,
    kind: d.kind,
    owner_team: teamRefOut(owner.teamId, teamName),
    owner_source: owner.source,
    tags: d.tags,
    last_write_at: isoOrNull(d.lastWriteAt),
    updated_at: new Date(d.updatedAt).toISOString(),
  };
};

/** The parts of a dataset's page that are not on its row (read by detail.ts). */
export interface DatasetExtras {
  facets: Facets;
  freshness: FreshnessStatus | null;
  quality: z.input<typeof DatasetQualityOut>;
  lastWrite: z.input<typeof LastWriteOut> | null;
  products: Array<z.input<typeof DatasetProductRef>>;
  firstSeenAt: number;
}

export function datasetOut(row: DatasetRow, x: DatasetExtras) {
  const { d } = row;
  const { facets, freshness } = x;
  return {
    ...summaryOut(row),
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
    quality: x.quality,
    last_write: x.lastWrite,
    products: x.products,
    first_seen_at: new Date(x.firstSeenAt).toISOString(),
    created_at: new Date(d.createdAt).toISOString(),
  };
}
