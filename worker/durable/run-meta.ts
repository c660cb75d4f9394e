import type { RunCiContext, TriggerKind } from "../db/schema/runs";
import type { DatasetTriggerMode } from "../engine/dataset-triggers";
import type { NormalizedSpec, NormalizedTask, NormalizedTrigger } from "../pipelines/spec";
import type { LoadedPipeline } from "./pipeline-source";

/** What a run was started with; fixed for the run's life (the pinned version included). */
export interface RunMeta {
  tenantId: string;
  pipelineId: string;
  pipelineName: string;
  teamId: string;
  versionId: string;
  version: number;
  trigger: { kind: TriggerKind; by: string | null; ref: string | null };
  params: Record<string, unknown>;
  logicalAt: number | null;
  backfillId: string | null;
  environment: string;
  /** Set for runs started from CI (optional: runs created before it existed have none). */
  ci?: RunCiContext | null;
  tasks: Array<Pick<NormalizedTask, "id" | "connector" | "connection" | "with" | "depends_on">>;
  concurrency: NormalizedSpec["concurrency"];
  /** `after:` hops from the run that began the chain: 0 for runs started otherwise (and runs stored before it existed). */
  chainDepth?: number;
}

/** What the DO keeps per pipeline to schedule it without reading D1 on every alarm. */
export interface PipelineEntry {
  id: string;
  name: string;
  teamId: string;
  paused: boolean;
  schedule: { cron: string; timezone: string } | null;
  triggers: NormalizedTrigger[];
  /** The dataset triggers with their datasets' catalog ids, by index in `triggers` (absent in entries stored before them). */
  datasetTriggers?: Array<{ index: number; datasetIds: string[]; mode: DatasetTriggerMode; withinMs: number | null }>;
  concurrency: NormalizedSpec["concurrency"];
  sla: { finish_by: string; timezone: string } | null;
  /**
   * The production version schedules and `after:` triggers start, kept here by syncPipeline (called after every
   * push, pause, resume and archive) so firing a slot needs no D1 read. Absent in entries stored before it was kept.
   */
  run?: LoadedPipeline;
}
