/** Pipelines, their versions and the runs and backfills started from them. */
import { allPages, client, data } from "./client";
import type { BackfillRequest, PipelineFilter, PushPipelineRequest } from "./types";

const pipeline = (name: string) => ({ params: { path: { name } } });
const version = (name: string, n: number) => ({ params: { path: { name, n } } });

export const pipelinesApi = {
  list: (filter: PipelineFilter, cursor?: string) => data(client.GET("/pipelines", { params: { query: { ...filter, cursor, limit: 50 } } })),
  /** Pushes a spec, or with `dryRun` runs every check and answers the diff and normalized spec without writing. */
  push: (body: PushPipelineRequest, dryRun = false) => data(client.POST("/pipelines", { params: { query: { dry_run: dryRun ? "true" : "false" } }, body })),
  /** The JSON Schema of specs (public), for the editor's completion. */
  schema: () => data(client.GET("/pipelines/schema.json")),
  get: (name: string) => data(client.GET("/pipelines/{name}", pipeline(name))),
  versions: (name: string, cursor?: string) => data(client.GET("/pipelines/{name}/versions", { params: { path: { name }, query: { cursor, limit: 100 } } })),
  allVersions: (name: string) => allPages((cursor) => pipelinesApi.versions(name, cursor)),
  version: (name: string, n: number) => data(client.GET("/pipelines/{name}/versions/{n}", version(name, n))),
  diff: (name: string, n: number, against?: number) =>
    data(client.GET("/pipelines/{name}/versions/{n}/diff", { params: { path: { name, n }, query: { against } } })),
  /** Success rate, durations, runs per day and the latest runs over the last `days` (7, 30 or 90) UTC days. */
  history: (name: string, days: "7" | "30" | "90") => data(client.GET("/pipelines/{name}/history", { params: { path: { name }, query: { days } } })),
  triggers: (name: string) => data(client.GET("/pipelines/{name}/triggers", pipeline(name))),
  /** Creates or rotates the webhook trigger's signing secret; the answer is the only time it is shown. */
  webhookSecret: (name: string) => data(client.POST("/pipelines/{name}/webhook-secret", pipeline(name))),
  pause: (name: string) => data(client.POST("/pipelines/{name}/pause", pipeline(name))),
  resume: (name: string) => data(client.POST("/pipelines/{name}/resume", pipeline(name))),
  archive: (name: string) => data(client.DELETE("/pipelines/{name}", pipeline(name))),
  run: (name: string, params: Record<string, unknown>) => data(client.POST("/pipelines/{name}/runs", { ...pipeline(name), body: { params } })),
  backfill: (name: string, body: BackfillRequest) => data(client.POST("/pipelines/{name}/backfills", { ...pipeline(name), body })),
};
