import type { TenantCtx } from "../db/client";
import { auditCountedInsert, type AuditSource } from "../db/repo/platform/audit";
import { usageAddedStatements } from "../db/repo/platform/storage-usage";
import { fromBuilder, runBatch, runReads, stmt } from "../db/statements";
import { enforceStorageQuota } from "../retention/storage-quota";
import { existingEventKeys, rawEventStatements, storedEventKeys, storedEventsQuery, type StoredBody } from "../db/repo/lineage/raw-events";
import { lineagePlanStatements, MAX_FACET_BYTES, storedQualityKeys, updatedDatasets } from "../db/repo/lineage/write";
import type { DatasetUpdate } from "../engine/dataset-triggers";
import { jobAndRunOwnersRead, pipelineTeamsRead } from "../db/repo/pipelines/ownership";
import type { ErrorDetail } from "../lib/errors";
import { gzip } from "../lib/gzip";
import { newId } from "../lib/ids";
import { utf8 } from "../lib/encoding";
import { IdCache } from "../lineage/ids";
import { parseOpenLineageEvent, type Facets, type OLEvent } from "../lineage/openlineage";
import { eventPolicy, refusedTuttiJobs, type TuttiJobClaim } from "../lineage/openlineage-policy";
import { eventDedupeKey, planOpenLineageEvent, type AcceptedEvent } from "../lineage/openlineage-plan";
import { LineagePlan, type QualityRow } from "../lineage/plan";
import type { IngestWriter } from "./writer";
import { errorFields, log } from "../lib/log";

/** D1 refuses values over 2,000,000 bytes; raw bodies above this are stored gzip-compressed. */
export const D1_VALUE_BYTES = 1_900_000;

export interface IngestItem {
  /** Parsed JSON of one event. */
  raw: unknown;
  /** Its JSON text: the request body for a single event, the re-serialised array element in a batch. */
  body: string;
}

export type IngestOutcome =
  | { ok: true; duplicate: boolean; kind: OLEvent["kind"]; runId: string | null }
  | { ok: false; status: 400 | 403 | 413 | 500; message: string; details: ErrorDetail[]; retriable: boolean };

/** Catalog ids of an event's job and run (none for dataset events), derived before the lookups that need them. */
interface JobRef {
  jobId: string;
  runId: string | null;
}

async function jobRefOf(ids: IdCache, e: OLEvent): Promise<JobRef | null> {
  if (e.kind === "dataset") return null;
  return { jobId: await ids.job(e.job.namespace, e.job.name), runId: e.kind === "run" ? await ids.run("openlineage", e.run.runId) : null };
}

/** What the ingest reads before it writes, in one D1 round trip: stored copies of the events, and who owns their jobs and runs. */
async function lookups(ctx: TenantCtx, events: Prepared[]) {
  const refs = events.flatMap((p) => (p.ref ? [p.ref] : []));
  const [existing, teams, owners] = await runReads(ctx, [
    existingEventKeys(
      ctx,
      events.map((p) => p.accepted.dedupeKey),
    ),
    pipelineTeamsRead(
      ctx,
      events.flatMap((p) => p.tuttiJobs.flatMap((c) => (c.pipeline ? [c.pipeline] : []))),
    ),
    jobAndRunOwnersRead(
      ctx,
      refs.map((r) => r.jobId),
      refs.flatMap((r) => (r.runId ? [r.runId] : [])),
    ),
  ] as const);
  return { existing, teams, owners };
}

/**
 * Refuses, by setting their outcome, events that speak for another team: a job in Tutti's namespace that is not a
 * task of a pipeline the writer's team owns (400 naming the namespace), or another team's job, or a run already
 * recorded under one (403), so no token reports runs of, or changes the state of, another team's job or pipeline.
 * What nobody owns yet, or is new, is open to every writer. Returns the indexes refused.
 */
function refuseOthersJobs(writer: IngestWriter, events: Prepared[], found: Awaited<ReturnType<typeof lookups>>, outcomes: IngestOutcome[]): Set<number> {
  const { teams, owners } = found;
  const others = (owner: string | null | undefined) => owner != null && !writer.mayWriteFor(owner);
  const refused = new Set<number>();
  for (const p of events) {
    const r = p.ref;
    const refuse = (status: 400 | 403, details: ErrorDetail[]) => {
      outcomes[p.index] = { ok: false, status, message: `${details[0].path}: ${details[0].message}`, details, retriable: false };
      refused.add(p.index);
    };
    const tutti = refusedTuttiJobs(p.tuttiJobs, teams, (team) => writer.mayWriteFor(team));
    if (tutti.length) refuse(400, tutti);
    else if (r && others(owners.jobs.get(r.jobId)))
      refuse(403, [{ path: "job.name", message: "this job belongs to another team; report your own jobs' runs" }]);
    else if (r?.runId && others(owners.runs.get(r.runId))) refuse(403, [{ path: "run.runId", message: "this run belongs to another team's job" }]);
  }
  return refused;
}

function oversizedFacets(event: OLEvent): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  const check = (facets: Facets, path: string) => {
    for (const [name, facet] of Object.entries(facets)) {
      const text = JSON.stringify(facet);
      // UTF-8 is at most 3 bytes per UTF-16 unit: only long texts need the exact count.
      if (text.length * 3 > MAX_FACET_BYTES && utf8(text).length > MAX_FACET_BYTES) {
        out.push({ path: `${path}.${name}`, message: `facet is larger than ${MAX_FACET_BYTES} bytes, the most Tutti stores per facet` });
      }
    }
  };
  if (event.kind === "dataset") check(event.dataset.facets, "dataset.facets");
  else {
    if (event.kind === "run") check(event.run.facets, "run.facets");
    check(event.job.facets, "job.facets");
    event.inputs.forEach((d, i) => {
      check(d.facets, `inputs[${i}].facets`);
      check(d.ioFacets, `inputs[${i}].inputFacets`);
    });
    event.outputs.forEach((d, i) => {
      check(d.facets, `outputs[${i}].facets`);
      check(d.ioFacets, `outputs[${i}].outputFacets`);
    });
  }
  return out;
}

/** Raw bodies are kept as text when they fit a D1 value, else gzip-compressed; null when even that does not fit. */
async function storedBody(text: string): Promise<StoredBody | null> {
  const bytes = utf8(text);
  if (bytes.length <= D1_VALUE_BYTES) return { text, gzip: null, sizeBytes: bytes.length };
  const compressed = await gzip(bytes);
  return compressed.length <= D1_VALUE_BYTES ? { text: null, gzip: compressed, sizeBytes: bytes.length } : null;
}

interface Prepared {
  index: number;
  accepted: AcceptedEvent;
  body: StoredBody;
  tuttiJobs: TuttiJobClaim[];
  ref: JobRef | null;
}

/**
 * Validates, deduplicates and stores OpenLineage events; one outcome per item, in order. Valid new events are
 * written in one D1 batch (one transaction); should it fail, each event is retried alone so one bad event
 * cannot sink the others. Nothing is written for an invalid event, nor for one about another team's job; of
 * another team's datasets only lineage is written (PlanGuard). Data-quality assertions that
 * were stored are appended to `quality`, for alerts.
 */
export async function ingestOpenLineageEvents(
  ctx: TenantCtx,
  source: AuditSource,
  writer: IngestWriter,
  items: IngestItem[],
  quality: QualityRow[] = [],
  /** Filled with the datasets whose freshness the stored events moved (for dataset triggers). */
  updates: DatasetUpdate[] = [],
): Promise<IngestOutcome[]> {
  const now = source.now;
  const outcomes: IngestOutcome[] = new Array(items.length);
  const prepared: Prepared[] = [];
  const seen = new Set<string>();
  const ids = new IdCache(ctx.tenantId);

  for (let i = 0; i < items.length; i++) {
    const parsed = parseOpenLineageEvent(items[i].raw);
    if (!parsed.ok) {
      outcomes[i] = { ok: false, status: 400, message: `${parsed.errors[0].path}: ${parsed.errors[0].message}`, details: parsed.errors, retriable: false };
      continue;
    }
    const event = parsed.event;
    const policy = eventPolicy(event, now);
    if (policy.problems.length) {
      outcomes[i] = {
        ok: false,
        status: 400,
        message: `${policy.problems[0].path}: ${policy.problems[0].message}`,
        details: policy.problems,
        retriable: false,
      };
      continue;
    }
    const big = oversizedFacets(event);
    if (big.length) {
      outcomes[i] = { ok: false, status: 413, message: `${big[0].path}: ${big[0].message}`, details: big, retriable: false };
      continue;
    }
    const body = await storedBody(items[i].body);
    if (!body) {
      const message = `event is too large to store even compressed (limit ${D1_VALUE_BYTES} bytes gzipped)`;
      outcomes[i] = { ok: false, status: 413, message, details: [{ path: "(root)", message }], retriable: false };
      continue;
    }
    const dedupeKey = await eventDedupeKey(event, items[i].body);
    const runId = event.kind === "run" ? event.run.runId : null;
    if (seen.has(dedupeKey)) {
      outcomes[i] = { ok: true, duplicate: true, kind: event.kind, runId };
      continue;
    }
    seen.add(dedupeKey);
    prepared.push({
      index: i,
      accepted: { event, body: items[i].body, dedupeKey, eventId: newId("lineageEvent") },
      body,
      tuttiJobs: policy.tuttiJobs,
      ref: await jobRefOf(ids, event),
    });
  }
  if (!prepared.length) return outcomes;

  const found = await lookups(ctx, prepared);
  const unseen = prepared.filter((p) => {
    const duplicate = found.existing.has(p.accepted.dedupeKey);
    outcomes[p.index] = acceptedOutcome(p.accepted.event, duplicate);
    return !duplicate;
  });
  const othersJobs = refuseOthersJobs(writer, unseen, found, outcomes);
  const fresh = unseen.filter((p) => !othersJobs.has(p.index));
  if (!fresh.length) return outcomes;
  // Over a storage quota the whole request is refused (413 naming the quota) and nothing is stored.
  await enforceStorageQuota(ctx, { bytes: fresh.reduce((n, p) => n + p.body.sizeBytes, 0), objects: fresh.length });

  // The raw-event inserts go first in the batch and say which events it stored; counters and the audit entry that
  // follow count only those, so copies of an event in flight together (each past the check above) count once.
  const write = async (group: Prepared[]) => {
    const plan = new LineagePlan();
    for (const p of group) await planOpenLineageEvent(plan, ids, p.accepted, writer);
    const raw = rawEventStatements(
      ctx,
      plan,
      group.map((p) => p.body),
      now,
    );
    const audit = auditCountedInsert(
      ctx,
      source,
      { action: "lineage.ingest", targetType: "lineage_events", teamId: writer.ownerTeamId },
      storedEventsQuery(
        ctx,
        group.map((p) => p.accepted.eventId),
      ),
    );
    // The event is stored and its lineage kept; another team's datasets keep their own facts (see docs/lineage.md).
    const usage = usageAddedStatements(
      ctx,
      "lineage_event",
      group.map((p) => p.accepted.eventId),
    ).map(fromBuilder);
    const results = await runBatch(ctx, [...raw, ...lineagePlanStatements(ctx, plan, now, { actsFor: writer.actsFor }), stmt(audit), ...usage]);
    const stored = storedEventKeys(results.slice(0, raw.length));
    const storedQuality = storedQualityKeys(results.slice(raw.length));
    updates.push(...updatedDatasets(results.slice(raw.length)));
    const storedIds = new Set<string>();
    for (const p of group) {
      if (stored.has(p.accepted.dedupeKey)) storedIds.add(p.accepted.eventId);
      else outcomes[p.index] = acceptedOutcome(p.accepted.event, true);
    }
    quality.push(...[...plan.quality.values()].filter((q) => storedQuality.has(q.dedupeKey) && (q.eventId === undefined || storedIds.has(q.eventId))));
  };

  try {
    await write(fresh);
  } catch (err) {
    if (fresh.length === 1) {
      fail(outcomes, fresh[0].index, err);
      return outcomes;
    }
    for (const p of fresh) {
      try {
        await write([p]);
      } catch (single) {
        fail(outcomes, p.index, single);
      }
    }
  }
  return outcomes;
}

const acceptedOutcome = (e: OLEvent, duplicate: boolean): IngestOutcome => ({
  ok: true,
  duplicate,
  kind: e.kind,
  runId: e.kind === "run" ? e.run.runId : null,
});

function fail(outcomes: IngestOutcome[], index: number, err: unknown) {
  log.error("lineage event write failed", { index, ...errorFields(err) });
  outcomes[index] = { ok: false, status: 500, message: "storing the event failed; retry it", details: [], retriable: true };
}
