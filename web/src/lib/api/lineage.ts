/** The lineage catalog: datasets, jobs, their runs and events, and the graph between them. */
import { client, data } from "./client";
import type { Direction, UpdateDatasetRequest } from "./types";

const dataset = (datasetId: string) => ({ params: { path: { id: datasetId } } });

export const lineageApi = {
  searchDatasets: (q: string, cursor?: string, limit = 25) => data(client.GET("/datasets", { params: { query: { q: q || undefined, cursor, limit } } })),
  dataset: (datasetId: string) => data(client.GET("/datasets/{id}", dataset(datasetId))),
  /** What the dataset page may change: the expected freshness (null removes it). */
  updateDataset: (datasetId: string, body: UpdateDatasetRequest) => data(client.PATCH("/datasets/{id}", { ...dataset(datasetId), body })),
  datasetRuns: (datasetId: string, cursor?: string) =>
    data(client.GET("/datasets/{id}/runs", { params: { path: { id: datasetId }, query: { limit: 20, cursor } } })),
  datasetQuality: (datasetId: string, cursor?: string) =>
    data(client.GET("/datasets/{id}/quality", { params: { path: { id: datasetId }, query: { limit: 50, cursor } } })),
  datasetEvents: (datasetId: string) => data(client.GET("/datasets/{id}/events", { params: { path: { id: datasetId }, query: { limit: 100 } } })),
  jobRunEvents: (jobRunId: string) => data(client.GET("/job-runs/{id}/events", { params: { path: { id: jobRunId }, query: { limit: 100 } } })),
  columnLineage: (datasetId: string) => data(client.GET("/datasets/{id}/column-lineage", dataset(datasetId))),
  job: (jobId: string) => data(client.GET("/jobs/{id}", { params: { path: { id: jobId } } })),
  jobRuns: (jobId: string) => data(client.GET("/jobs/{id}/runs", { params: { path: { id: jobId }, query: { limit: 20 } } })),
  graph: (node: string, direction: Direction, depth: number | "all") => data(client.GET("/lineage/graph", { params: { query: { node, direction, depth } } })),
  impact: (node: string) => data(client.GET("/lineage/impact", { params: { query: { node } } })),
};
