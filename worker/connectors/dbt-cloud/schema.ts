import { z } from "@hono/zod-openapi";
import { HttpUrl } from "../../lib/urls";

/** dbt Cloud ids are integers; specs written by hand often quote them. */
const NumericId = z.union([z.number().int().positive(), z.string().regex(/^\d+$/, "digits only")]);
/** Same rule as dbt artifact uploads (POST /dbt/artifacts). */
const ProjectName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, "1–100 letters, digits, '_', '.' or '-', starting with a letter or digit");

export const DbtCloudConfig = z.strictObject({
  base_url: HttpUrl.default("https://cloud.getdbt.com").meta({
    description:
      "Access URL of the account: https://cloud.getdbt.com, a regional host such as https://emea.dbt.com, or a cell host https://<prefix>.us1.dbt.com",
  }),
  account_id: NumericId.meta({ description: "dbt Cloud account id (the number after /accounts/ in the dbt Cloud URL)" }),
  project: ProjectName.optional().meta({
    description:
      "Tutti's name for the dbt project whose jobs this connection runs (lineage and test results are filed under it); a task's `project` overrides it",
  }),
});
export type DbtCloudConfig = z.output<typeof DbtCloudConfig>;

export const DbtCloudWith = z.strictObject({
  job_id: NumericId.meta({ description: "Job to run (the number after /jobs/ in the dbt Cloud URL)" }),
  cause: z.string().min(1).max(180).optional().meta({ description: "Why the job runs; Tutti prefixes its run id (dbt Cloud allows 255 characters)" }),
  git_branch: z.string().min(1).max(255).optional(),
  git_sha: z
    .string()
    .regex(/^[0-9a-f]{7,40}$/, "a git commit sha")
    .optional(),
  schema_override: z.string().min(1).max(255).optional().meta({ description: "Build into this schema instead of the environment's" }),
  dbt_version_override: z.string().min(1).max(64).optional(),
  threads_override: z.number().int().min(1).max(64).optional(),
  target_name_override: z.string().min(1).max(255).optional(),
  generate_docs_override: z.boolean().optional(),
  timeout_seconds_override: z
    .number()
    .int()
    .min(0)
    .max(86_400 * 7)
    .optional(),
  steps_override: z
    .array(z.string().min(1).max(1000))
    .min(1)
    .max(20)
    .optional()
    .meta({ description: 'Commands replacing the job\'s steps, e.g. ["dbt build -s +tag:revenue"]' }),
  project: ProjectName.optional().meta({
    description: "Tutti's dbt project name for the collected artifacts (default: the connection's `project`, else dbt-cloud-job-<job_id>)",
  }),
  environment: ProjectName.default("prod").meta({ description: "Environment the collected artifacts describe" }),
  collect_artifacts: z
    .boolean()
    .default(true)
    .meta({ description: "Fetch manifest.json and run_results.json after the run for lineage, test results and timings" }),
  artifacts_step: z
    .number()
    .int()
    .min(1)
    .max(50)
    .optional()
    .meta({ description: "Step whose artifacts to fetch (default: dbt Cloud's choice, the last step)" }),
});
export type DbtCloudWith = z.output<typeof DbtCloudWith>;
