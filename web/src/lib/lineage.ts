/** Lineage API calls, through the dashboard's one client. Types and pure helpers live in lineage-model.ts. */
import { request } from "./api";
import type { ColumnEdge, Dataset, DatasetRun, DatasetSummary, Direction, Impact, Job, JobRun, LineageGraph, QualityResult } from "./lineage-model";
import type { DbtNode, DbtProject, DbtUpload, RawLineageEvent } from "./catalog-model";
import type { Page } from "./types";

export * from "./lineage-model";
export * from "./catalog-model";

const id = encodeURIComponent;
const get = <T>(path: string, query?: Record<string, string | number | undefined | null>) => request<T>("GET", path, { query });

/** What the dataset page may change: the expected freshness (null removes it). */
export interface DatasetPatch {
  freshness?: { cron: string; timezone: string; max_age?: string } | null;
}

export const lineageApi = {
  searchDatasets: (q: string, cursor?: string | null) => get<Page<DatasetSummary>>("/datasets", { q: q || undefined, cursor, limit: 25 }),
  dataset: (datasetId: string) => get<Dataset>(`/datasets/${id(datasetId)}`),
  updateDataset: (datasetId: string, body: DatasetPatch) => request<Dataset>("PATCH", `/datasets/${id(datasetId)}`, { body }),
  datasetRuns: (datasetId: string, cursor?: string | null) => get<Page<DatasetRun>>(`/datasets/${id(datasetId)}/runs`, { limit: 20, cursor }),
  datasetQuality: (datasetId: string, cursor?: string | null) => get<Page<QualityResult>>(`/datasets/${id(datasetId)}/quality`, { limit: 50, cursor }),
  datasetEvents: (datasetId: string) => get<Page<RawLineageEvent>>(`/datasets/${id(datasetId)}/events`, { limit: 100 }),
  jobRunEvents: (jobRunId: string) => get<Page<RawLineageEvent>>(`/job-runs/${id(jobRunId)}/events`, { limit: 100 }),
  columnLineage: (datasetId: string) => get<{ dataset_id: string; edges: ColumnEdge[] }>(`/datasets/${id(datasetId)}/column-lineage`),
  job: (jobId: string) => get<Job>(`/jobs/${id(jobId)}`),
  jobRuns: (jobId: string) => get<Page<JobRun>>(`/jobs/${id(jobId)}/runs`, { limit: 20 }),
  graph: (node: string, direction: Direction, depth: number | "all") => get<LineageGraph>("/lineage/graph", { node, direction, depth }),
  impact: (node: string) => get<Impact>("/lineage/impact", { node }),
  dbtProjects: (cursor?: string | null) => get<Page<DbtProject>>("/dbt/projects", { cursor, limit: 50 }),
  dbtProject: (projectId: string) => get<DbtProject>(`/dbt/projects/${id(projectId)}`),
  dbtNodes: (projectId: string, filter: { resource_type?: string; q?: string }, cursor?: string | null) =>
    get<Page<DbtNode>>(`/dbt/projects/${id(projectId)}/nodes`, { ...filter, cursor, limit: 500 }),
  dbtUploads: (projectId: string, cursor?: string | null) => get<Page<DbtUpload>>(`/dbt/projects/${id(projectId)}/uploads`, { cursor, limit: 10 }),
  dbtUpload: (uploadId: string) => get<DbtUpload>(`/dbt/uploads/${id(uploadId)}`),
};
