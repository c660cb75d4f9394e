import { sha256Hex } from "../lib/hash";
import type { IdCache } from "./ids";
import {
  assertionsOf,
  columnLineageOf,
  datasetKindOf,
  errorMessageOf,
  isDeletedFacet,
  jobTypeOf,
  nominalStartOf,
  outputStatisticsOf,
  parentOf,
} from "./openlineage-facets";
import { runStateOf, type Facets, type OLDataset, type OLEvent } from "./openlineage";
import type { LineagePlan } from "./plan";

/** Edges asserted by OpenLineage producers share one origin: they accumulate, never replaced by a manifest. */
export const OPENLINEAGE_ORIGIN = "openlineage";

export interface AcceptedEvent {
  event: OLEvent;
  /** The event's JSON text as stored and shown back (the exact request body for the single-event endpoint). */
  body: string;
  dedupeKey: string;
  /** Id of its lineage_events row if this write stores it (a copy stored first keeps its own id). */
  eventId: string;
}

/**
 * Retries of the same event collapse on (kind, run id, event type, event time, body hash), per CONTRACTS §12.
 * The body hash alone would do; the readable parts make collisions between different runs impossible.
 */
export async function eventDedupeKey(event: OLEvent, body: string | Uint8Array): Promise<string> {
  return dedupeKeyOf(event, await sha256Hex(body));
}

/** eventDedupeKey from the body's SHA-256 (hex), for a caller that needs that hash for itself too. */
export function dedupeKeyOf(event: OLEvent, bodySha256: string): Promise<string> {
  const runPart = event.kind === "run" ? event.run.runId : "";
  return sha256Hex(`${event.kind}|${runPart}|${event.eventType ?? ""}|${event.eventTimeText}|${bodySha256}`);
}

export interface Writer {
  /** Owner for datasets and jobs this write creates: the writing token's team. */
  ownerTeamId: string | null;
}

/** Adds one accepted event's rows to the plan. */
export async function planOpenLineageEvent(plan: LineagePlan, ids: IdCache, accepted: AcceptedEvent, writer: Writer): Promise<void> {
  const { event } = accepted;
  const raw = {
    id: accepted.eventId,
    dedupeKey: accepted.dedupeKey,
    kind: event.kind,
    eventType: event.eventType,
    eventTime: event.eventTime,
    producer: event.producer,
    schemaUrl: event.schemaURL,
    body: accepted.body,
  };

  if (event.kind === "dataset") {
    const id = await ids.dataset(event.dataset.namespace, event.dataset.name);
    plan.addDataset({
      id,
      namespace: event.dataset.namespace,
      name: event.dataset.name,
      kind: datasetKindOf(event.dataset.facets),
      ownerTeamId: writer.ownerTeamId,
      lastWriteAt: null,
      lastWriteRunId: null,
    });
    addFacets(plan, id, event.dataset.facets, event.eventTime, true);
    addDatasetQuality(plan, id, event.dataset, event.eventTime, null, accepted.dedupeKey, accepted.eventId);
    plan.addEvent({ ...raw, runId: null, jobId: null, datasetId: id });
    return;
  }

  const jobId = await ids.job(event.job.namespace, event.job.name);
  const jobType = jobTypeOf(event.job.facets);
  let runId: string | null = null;
  let state = null as ReturnType<typeof runStateOf>;

  if (event.kind === "run") {
    runId = await ids.run("openlineage", event.run.runId);
    state = runStateOf(event.eventType);
    const parent = parentOf(event.run.facets);
    const parentJobId = parent ? await ids.job(parent.namespace, parent.name) : null;
    if (parent && parentJobId) {
      plan.addJob({
        id: parentJobId,
        namespace: parent.namespace,
        name: parent.name,
        kind: null,
        integration: null,
        processingType: null,
        ownerTeamId: writer.ownerTeamId,
        latestRunId: null,
        latestRunAt: null,
      });
    }
    plan.addRun({
      id: runId,
      jobId,
      source: "openlineage",
      externalId: event.run.runId,
      state,
      eventType: event.eventType,
      eventTime: event.eventTime,
      startedAt: event.eventType === "START" ? event.eventTime : null,
      endedAt: state === "succeeded" || state === "failed" || state === "cancelled" ? event.eventTime : null,
      nominalStartAt: nominalStartOf(event.run.facets),
      parentExternalId: parent?.runId ?? null,
      parentJobId,
      errorMessage: errorMessageOf(event.run.facets),
      tuttiRunId: null,
      tuttiTaskKey: null,
      eventId: accepted.eventId,
    });
    // Run facets have no `_deleted` rule in the spec: they are kept as sent.
    addFacets(plan, runId, event.run.facets, event.eventTime, false);
  }

  plan.addJob({
    id: jobId,
    namespace: event.job.namespace,
    name: event.job.name,
    kind: jobType.jobType,
    integration: jobType.integration,
    processingType: jobType.processingType,
    ownerTeamId: writer.ownerTeamId,
    latestRunId: runId,
    latestRunAt: runId ? event.eventTime : null,
  });
  addFacets(plan, jobId, event.job.facets, event.eventTime, true);

  const succeeded = state === "succeeded";
  for (const [role, list] of [
    ["input", event.inputs],
    ["output", event.outputs],
  ] as const) {
    for (const ds of list) {
      const id = await ids.dataset(ds.namespace, ds.name);
      const wrote = role === "output" && succeeded && runId !== null;
      plan.addDataset({
        id,
        namespace: ds.namespace,
        name: ds.name,
        kind: datasetKindOf(ds.facets),
        ownerTeamId: writer.ownerTeamId,
        lastWriteAt: wrote ? event.eventTime : null,
        lastWriteRunId: wrote ? runId : null,
      });
      addFacets(plan, id, ds.facets, event.eventTime, true);
      plan.addEdge(
        role === "input"
          ? { from: id, to: jobId, kind: "input", origin: OPENLINEAGE_ORIGIN }
          : { from: jobId, to: id, kind: "output", origin: OPENLINEAGE_ORIGIN },
      );
      if (runId) {
        const stats = role === "output" ? outputStatisticsOf(ds.ioFacets) : null;
        plan.addRunIo({
          runId,
          datasetId: id,
          role,
          rowCount: stats?.rowCount ?? null,
          bytes: stats?.bytes ?? null,
          fileCount: stats?.fileCount ?? null,
          facets: Object.keys(ds.ioFacets).length ? JSON.stringify(ds.ioFacets) : null,
          at: event.eventTime,
        });
      }
      addDatasetQuality(plan, id, ds, event.eventTime, runId, runId ?? accepted.dedupeKey, accepted.eventId);
      if (role === "output") await addColumnLineage(plan, ids, id, ds, writer);
    }
  }

  plan.addEvent({ ...raw, runId, jobId, datasetId: null });
}

function addFacets(plan: LineagePlan, entityId: string, facets: Facets, eventTime: number, allowDelete: boolean) {
  for (const [name, facet] of Object.entries(facets)) {
    plan.addFacet({ entityId, name, value: allowDelete && isDeletedFacet(facet) ? null : JSON.stringify(facet), eventTime });
  }
}

/** One quality result per (scope, dataset, assertion, column): START and COMPLETE of one run reporting it twice is one result. */
function addDatasetQuality(
  plan: LineagePlan,
  datasetId: string,
  ds: { facets: Facets; ioFacets?: Facets },
  at: number,
  runId: string | null,
  scope: string,
  eventId: string,
) {
  for (const a of assertionsOf(ds)) {
    plan.addQuality({
      datasetId,
      source: "openlineage",
      checkName: a.assertion,
      columnName: a.column,
      status: a.success ? "pass" : "fail",
      observedAt: at,
      runId,
      details: a.params && typeof a.params === "object" && Object.keys(a.params).length ? { params: a.params } : {},
      dedupeKey: `ol:${scope}:${datasetId}:${a.assertion}:${a.column ?? ""}`,
      eventId,
    });
  }
}

async function addColumnLineage(plan: LineagePlan, ids: IdCache, outputId: string, ds: OLDataset, writer: Writer) {
  for (const field of columnLineageOf(ds.facets)) {
    const transformation =
      field.transformationType || field.transformationDescription || field.inputs.some((i) => i.transformations)
        ? JSON.stringify({
            type: field.transformationType,
            description: field.transformationDescription,
            inputs: field.inputs
              .filter((i) => i.transformations)
              .map((i) => ({ namespace: i.namespace, name: i.name, field: i.field, transformations: i.transformations })),
          })
        : null;
    for (const input of field.inputs) {
      const fromId = await ids.dataset(input.namespace, input.name);
      // A column edge needs both ends in the catalog, even when the input was not listed among the event's inputs.
      plan.addDataset({
        id: fromId,
        namespace: input.namespace,
        name: input.name,
        kind: null,
        ownerTeamId: writer.ownerTeamId,
        lastWriteAt: null,
        lastWriteRunId: null,
      });
      plan.addColumnEdge({
        fromDataset: fromId,
        fromField: input.field,
        toDataset: outputId,
        toField: field.field,
        origin: OPENLINEAGE_ORIGIN,
        transformation,
      });
    }
  }
}
