import { z } from "@hono/zod-openapi";
import { HttpUrl } from "../../lib/urls";

export const DatabricksConfig = z.strictObject({
  base_url: HttpUrl.meta({ description: "Workspace URL, e.g. https://adb-1234567890123456.7.azuredatabricks.net" }),
  workspace_id: z.string().regex(/^\d+$/, "digits only").optional().meta({ description: "Sent as X-Databricks-Workspace-Id (account-level tokens)" }),
});
export type DatabricksConfig = z.output<typeof DatabricksConfig>;

const Strings = z.array(z.string().max(10_000)).max(1000);
const StringMap = z.record(z.string().min(1), z.string().max(10_000));

export const DatabricksWith = z.strictObject({
  job_id: z.union([z.number().int().positive(), z.string().regex(/^\d+$/, "digits only")]).meta({ description: "Job to run (the number in the job's URL)" }),
  job_parameters: StringMap.optional().meta({
    description: "Job-level parameters; templates such as {{params.day}} are not rendered here, pass values directly",
  }),
  notebook_params: StringMap.optional(),
  python_params: Strings.optional(),
  python_named_params: StringMap.optional(),
  jar_params: Strings.optional(),
  spark_submit_params: Strings.optional(),
  sql_params: StringMap.optional(),
  dbt_commands: Strings.optional(),
  pipeline_params: z.strictObject({ full_refresh: z.boolean() }).optional(),
  only: z.array(z.string().min(1)).min(1).optional().meta({ description: "Run only these task keys of the job" }),
  queue: z.boolean().optional().meta({ description: "Queue the run when the job is at its concurrency limit instead of skipping it" }),
  performance_target: z.enum(["PERFORMANCE_OPTIMIZED", "STANDARD"]).optional().meta({ description: "Serverless jobs only" }),
  collect_cost: z.boolean().default(true).meta({ description: "Record the run's durations and clusters as cost facts after it ends" }),
});
export type DatabricksWith = z.output<typeof DatabricksWith>;
