/** Lineage API calls, through the dashboard's one client. Types and pure helpers live in lineage-model.ts. */
import { request } from "./api";
import type { ColumnEdge, Dataset, DatasetRun, DatasetSummary, Direction, Impact, Job, JobRun, LineageGraph, QualityResult } from "./lineage-model";
import type { Page } from "./types";

export * from "./lineage-model";

const id = encodeURIComponent;
const get = <T>(path: string, query?: Record<string, string | number | undefined | null>) => request<T>("GET", path, { query });

export const lineageApi = {
  searchDatasets: (q: string, cursor?: string | null) => get<Page<DatasetSummary>>("/datasets", { q: q || undefined, cursor, limit: 25 }),
  dataset: (datasetId: string) => get<Dataset>(`/datasets/${id(datasetId)}`),
  datasetRuns: (datasetId: string) => get<Page<DatasetRun>>(`/datasets/${id(datasetId)}/runs`, { limit: 20 }),
  datasetQuality: (datasetId: string) => get<Page<QualityResult>>(`/datasets/${id(datasetId)}/quality`, { limit: 50 }),
  columnLineage: (datasetId: string) => get<{ dataset_id: string; edges: ColumnEdge[] }>(`/datasets/${id(datasetId)}/column-lineage`),
  job: (jobId: string) => get<Job>(`/jobs/${id(jobId)}`),
  jobRuns: (jobId: string) => get<Page<JobRun>>(`/jobs/${id(jobId)}/runs`, { limit: 20 }),
  graph: (node: string, direction: Direction, depth: number | "all") => get<LineageGraph>("/lineage/graph", { node, direction, depth }),
  impact: (node: string) => get<Impact>("/lineage/impact", { node }),
};

