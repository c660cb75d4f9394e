import { z } from "@hono/zod-openapi";
import { HttpUrl } from "../../lib/urls";

/** Google's own endpoints: the only places a BigQuery connection's key (and the tokens it yields) is sent. */
export const GOOGLE_BIGQUERY_URL = "https://bigquery.googleapis.com";
export const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";
/** Hosts accepted for `api_url`/`token_url` outside local development (regional and Private Service Connect endpoints included). */
export const GOOGLE_API_HOST = /(^|\.)googleapis\.com$/;

/** Projects: 6–30 lowercase letters, digits and hyphens; older domain-scoped ones carry `example.com:` before. */
const ProjectId = z
  .string()
  .regex(/^(?:[a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "a Google Cloud project id such as acme-prod")
  .meta({ description: "Google Cloud project id" });
/** `US`, `EU` (multi-regions) or a region such as `us-central1`, as the jobs API reports it. */
export const Location = z.string().regex(/^[A-Za-z][A-Za-z0-9-]{1,39}$/, "a BigQuery location such as US, EU or us-central1");

export const BigQueryConfig = z.strictObject({
  project_id: ProjectId.meta({ description: "Project whose jobs the connection runs and whose job history the collector reads" }),
  location: Location.default("US").meta({ description: "Where jobs run and INFORMATION_SCHEMA is read (US, EU, us-central1, …)" }),
  api_url: HttpUrl.default(GOOGLE_BIGQUERY_URL).meta({
    description: "BigQuery API root. Outside local development only a googleapis.com host (regional or Private Service Connect endpoint)",
  }),
  token_url: HttpUrl.default(GOOGLE_TOKEN_URL).meta({
    description: "Google's OAuth token endpoint. Outside local development only a googleapis.com host",
  }),
});
export type BigQueryConfig = z.output<typeof BigQueryConfig>;

/** Label keys and values as BigQuery accepts them (≤ 63 chars; keys start with a letter). */
export const LabelKey = z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, "lowercase letters, digits, _ and -, starting with a letter (at most 63)");
export const LabelValue = z.string().regex(/^[a-z0-9_-]{0,63}$/, "lowercase letters, digits, _ and - (at most 63)");

const parameterTypes = ["STRING", "INT64", "FLOAT64", "NUMERIC", "BIGNUMERIC", "BOOL", "BYTES", "DATE", "DATETIME", "TIME", "TIMESTAMP"] as const;

export const BigQueryWith = z.strictObject({
  query: z
    .string()
    .min(1)
    .max(1_000_000)
    .meta({ description: "GoogleSQL to run as a query job (scripts with several statements are allowed). Put values in query_parameters" }),
  query_parameters: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, "a parameter name as written after @ in the query"),
      z.strictObject({
        type: z.enum(parameterTypes),
        value: z.string().max(10_000),
      }),
    )
    .optional()
    .meta({
      description:
        'Named parameters (@day in the query): {"day": {"type": "DATE", "value": "{{params.day}}"}}; values may use {{run_id}} and {{params.<name>}}',
    }),
  location: Location.optional().meta({ description: "Where the job runs (default: the connection's location)" }),
  labels: z
    .record(LabelKey, LabelValue)
    .optional()
    .meta({ description: "Job labels, besides tutti_run and tutti_task which Tutti sets so collected cost finds the task" }),
  maximum_bytes_billed: z
    .union([z.number().int().positive(), z.string().regex(/^\d{1,19}$/, "digits only")])
    .optional()
    .meta({ description: "BigQuery fails the job rather than bill more than this many bytes" }),
  job_timeout_ms: z.number().int().min(1000).max(21_600_000).optional().meta({ description: "BigQuery cancels the job after this long" }),
  priority: z.enum(["INTERACTIVE", "BATCH"]).optional(),
});
export type BigQueryWith = z.output<typeof BigQueryWith>;
