import { z } from "@hono/zod-openapi";
import { HttpUrl } from "../../lib/urls";

const Owner = z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, "a GitHub user or organisation name");
const Repo = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, "a repository name");

export const GitHubActionsConfig = z.strictObject({
  base_url: HttpUrl.default("https://api.github.com").meta({
    description: "REST API root: https://api.github.com, or https://<host>/api/v3 for GitHub Enterprise Server",
  }),
  owner: Owner.optional().meta({ description: "Default repository owner for tasks that do not name one" }),
  repo: Repo.optional().meta({ description: "Default repository for tasks that do not name one" }),
  api_version: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .default("2022-11-28")
    .meta({ description: "Sent as X-GitHub-Api-Version" }),
});
export type GitHubActionsConfig = z.output<typeof GitHubActionsConfig>;

export const GitHubActionsWith = z.strictObject({
  workflow: z
    .union([z.number().int().positive(), z.string().regex(/^[\w.-]+\.ya?ml$|^\d+$/, "a workflow file name such as deploy.yml, or its numeric id")])
    .meta({ description: "Workflow to dispatch (it must have a workflow_dispatch trigger)" }),
  ref: z.string().min(1).max(255).default("main").meta({ description: "Branch or tag to run on" }),
  inputs: z
    .record(z.string().min(1).max(100), z.union([z.string().max(65_535), z.number(), z.boolean()]))
    .refine((o) => Object.keys(o).length <= 25, "GitHub takes at most 25 inputs")
    .optional()
    .meta({ description: "Workflow inputs (only those the workflow defines); string values may use {{run_id}} and {{params.<name>}}" }),
  correlation_input: z.string().min(1).max(100).optional().meta({
    description:
      "An input the workflow defines (and shows in its run-name) that receives tutti:<run>:<task>:<attempt>, so the run is found even when GitHub returns no run id",
  }),
  owner: Owner.optional(),
  repo: Repo.optional(),
});
export type GitHubActionsWith = z.output<typeof GitHubActionsWith>;
