import type { JobRunRole, JobRunSource, JobRunState, LineageEdgeKind, LineageEventKind, QualitySource, QualityStatus } from "../db/schema/enums";

/**
 * What an ingest writes, as plain rows: OpenLineage events, dbt artifacts and Tutti task runs all become a
 * LineagePlan, which the repository applies as a fixed number of bulk upserts (worker/db/repo/lineage/write.ts).
 * Rows are merged here where the same object appears more than once, so the statements stay small.
 */

export interface DatasetRow {
  id: string;
  namespace: string;
  name: string;
  /** null: keep what is known (a new row gets "dataset"). */
  kind: string | null;
  ownerTeamId: string | null;
  lastWriteAt: number | null;
  lastWriteRunId: string | null;
}

export interface JobRow {
  id: string;
  namespace: string;
  name: string;
  kind: string | null;
  integration: string | null;
  processingType: string | null;
  ownerTeamId: string | null;
  latestRunId: string | null;
  latestRunAt: number | null;
}

export interface FacetRow {
  entityId: string;
  name: string;
  /** JSON text of the facet, or null for a `_deleted` tombstone. */
  value: string | null;
  eventTime: number;
}

export interface RunRow {
  id: string;
  jobId: string;
  source: JobRunSource;
  externalId: string;
  /** null: this event does not change the state (OTHER, or an unknown type). */
  state: JobRunState | null;
  eventType: string | null;
  eventTime: number;
  startedAt: number | null;
  endedAt: number | null;
  nominalStartAt: number | null;
  parentExternalId: string | null;
  parentJobId: string | null;
  errorMessage: string | null;
  tuttiRunId: string | null;
  tuttiTaskKey: string | null;
  /**
   * The raw OpenLineage event (its lineage_events id) this row comes from: the run's event count grows only when
   * the same D1 batch stored that event, so concurrent copies of one event count once. Absent: always counts.
   */
  eventId?: string;
}

export interface RunIoRow {
  runId: string;
  datasetId: string;
  role: JobRunRole;
  rowCount: number | null;
  bytes: number | null;
  fileCount: number | null;
  facets: string | null;
  at: number;
}

export interface EdgeRow {
  from: string;
  to: string;
  kind: LineageEdgeKind;
  origin: string;
}

export interface ColumnEdgeRow {
  fromDataset: string;
  fromField: string;
  toDataset: string;
  toField: string;
  origin: string;
  transformation: string | null;
}

export interface QualityRow {
  datasetId: string;
  source: QualitySource;
  checkName: string;
  columnName: string | null;
  status: QualityStatus;
  observedAt: number;
  runId: string | null;
  details: Record<string, unknown>;
  dedupeKey: string;
  /** The raw OpenLineage event it comes from, as on RunRow: alerts are signalled only for stored events. */
  eventId?: string;
}

/** A successful write of a dataset known to exist (a dbt model in run_results): moves its freshness forward. */
export interface WriteRow {
  datasetId: string;
  at: number;
  runId: string;
}

export interface RawEventRow {
  /** lineage_events id, chosen before the write: whether a row with this id exists tells if this write stored it. */
  id: string;
  dedupeKey: string;
  kind: LineageEventKind;
  eventType: string | null;
  eventTime: number;
  runId: string | null;
  jobId: string | null;
  datasetId: string | null;
  producer: string;
  schemaUrl: string | null;
  body: string;
}

export class LineagePlan {
  readonly datasets = new Map<string, DatasetRow>();
  readonly jobs = new Map<string, JobRow>();
  readonly facets = new Map<string, FacetRow>();
  /** In event-time order: the SQL upsert applies them one after another, so state rules see every event. */
  readonly runs: RunRow[] = [];
  readonly runIo = new Map<string, RunIoRow>();
  readonly edges = new Map<string, EdgeRow>();
  readonly columnEdges = new Map<string, ColumnEdgeRow>();
  readonly quality = new Map<string, QualityRow>();
  readonly events: RawEventRow[] = [];
  readonly writes = new Map<string, WriteRow>();

  addDataset(row: DatasetRow) {
    const prev = this.datasets.get(row.id);
    if (!prev) {
      this.datasets.set(row.id, { ...row });
      return;
    }
    if (row.kind && row.kind !== "dataset") prev.kind = row.kind;
    prev.ownerTeamId ??= row.ownerTeamId;
    if (row.lastWriteAt != null && (prev.lastWriteAt == null || row.lastWriteAt > prev.lastWriteAt)) {
      prev.lastWriteAt = row.lastWriteAt;
      prev.lastWriteRunId = row.lastWriteRunId;
    }
  }

  addJob(row: JobRow) {
    const prev = this.jobs.get(row.id);
    if (!prev) {
      this.jobs.set(row.id, { ...row });
      return;
    }
    prev.kind = row.kind ?? prev.kind;
    prev.integration = row.integration ?? prev.integration;
    prev.processingType = row.processingType ?? prev.processingType;
    prev.ownerTeamId ??= row.ownerTeamId;
    if (row.latestRunAt != null && (prev.latestRunAt == null || row.latestRunAt >= prev.latestRunAt)) {
      prev.latestRunAt = row.latestRunAt;
      prev.latestRunId = row.latestRunId;
    }
  }

  /** Later event time wins, as in the table; a tie goes to the row added last (the later event in the batch). */
  addFacet(row: FacetRow) {
    const key = `${row.entityId}\u0000${row.name}`;
    const prev = this.facets.get(key);
    if (!prev || row.eventTime >= prev.eventTime) this.facets.set(key, row);
  }

  addRun(row: RunRow) {
    this.runs.push(row);
  }

  addRunIo(row: RunIoRow) {
    const key = `${row.runId}\u0000${row.datasetId}\u0000${row.role}`;
    const prev = this.runIo.get(key);
    if (!prev) {
      this.runIo.set(key, { ...row });
      return;
    }
    prev.rowCount = row.rowCount ?? prev.rowCount;
    prev.bytes = row.bytes ?? prev.bytes;
    prev.fileCount = row.fileCount ?? prev.fileCount;
    prev.facets = row.facets ?? prev.facets;
    prev.at = Math.max(prev.at, row.at);
  }

  addEdge(row: EdgeRow) {
    this.edges.set(`${row.from}\u0000${row.to}\u0000${row.origin}`, row);
  }

  addColumnEdge(row: ColumnEdgeRow) {
    this.columnEdges.set(`${row.toDataset}\u0000${row.toField}\u0000${row.fromDataset}\u0000${row.fromField}\u0000${row.origin}`, row);
  }

  addQuality(row: QualityRow) {
    const prev = this.quality.get(row.dedupeKey);
    if (!prev || row.observedAt >= prev.observedAt) this.quality.set(row.dedupeKey, row);
  }

  addWrite(row: WriteRow) {
    const prev = this.writes.get(row.datasetId);
    if (!prev || row.at > prev.at) this.writes.set(row.datasetId, row);
  }

  addEvent(row: RawEventRow) {
    this.events.push(row);
  }

  /** Runs sorted by event time (stable), for the upsert. */
  orderedRuns(): RunRow[] {
    return this.runs
      .map((r, i) => [r, i] as const)
      .sort((a, b) => a[0].eventTime - b[0].eventTime || a[1] - b[1])
      .map(([r]) => r);
  }

  get isEmpty() {
    return (
      !this.datasets.size &&
      !this.jobs.size &&
      !this.facets.size &&
      !this.runs.length &&
      !this.runIo.size &&
      !this.edges.size &&
      !this.columnEdges.size &&
      !this.quality.size &&
      !this.events.length &&
      !this.writes.size
    );
  }
}
