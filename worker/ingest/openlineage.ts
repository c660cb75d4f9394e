import type { TenantCtx } from "../db/client";
import { auditCountedInsert, type AuditSource } from "../db/repo/platform/audit";
import { fromBuilder, runBatch, runReads, stmt } from "../db/statements";
import { checkQuotaState } from "../retention/storage-quota";
import { quotaStateRead, usageAddedStatements } from "../db/repo/platform/storage-usage";
import { existingEventKeys, rawEventStatements, storedEventKeys, storedEventsQuery } from "../db/repo/lineage/raw-events";
import { unreferencedBlobKeys } from "../db/repo/platform/retention-sweep";
import { keepRawBody, putRawBodyPack, type PackedRawBody, type StoredRawBodyPack } from "../blobs/raw-bodies";
import { deleteBlob, type TenantBlobs } from "../blobs/store";
import { lineagePlanStatements, storedQualityKeys, updatedDatasets } from "../db/repo/lineage/write";
import { othersJobsCheck, pipelineTeamsRead, refusedJobsAndRuns } from "../db/repo/pipelines/ownership";
import type { DatasetUpdate } from "../engine/dataset-triggers";
import { newId } from "../lib/ids";
import { utf8 } from "../lib/encoding";
import { sha256Hex } from "../lib/hash";
import { IdCache } from "../lineage/ids";
import { parseOpenLineageEvent, type OLEvent } from "../lineage/openlineage";
import { eventPolicy, type TuttiJobClaim } from "../lineage/openlineage-policy";
import { dedupeKeyOf, planOpenLineageEvent, type AcceptedEvent } from "../lineage/openlineage-plan";
import { LineagePlan, type QualityRow } from "../lineage/plan";
import type { IngestWriter } from "./writer";
import { errorFields, log } from "../lib/log";
import { acceptedOutcome, fail, oversizedFacets, refusedJob, refusedTuttiClaim, type IngestOutcome, type JobRef } from "./openlineage-outcomes";

export type { IngestOutcome } from "./openlineage-outcomes";

export interface IngestItem {
  /** Parsed JSON of one event. */
  raw: unknown;
  /** Its JSON text: the request body for a single event, the re-serialised array element in a batch. */
  body: string;
}

async function jobRefOf(ids: IdCache, e: OLEvent): Promise<JobRef | null> {
  if (e.kind === "dataset") return null;
  return { jobId: await ids.job(e.job.namespace, e.job.name), runId: e.kind === "run" ? await ids.run("openlineage", e.run.runId) : null };
}

/**
 * What the ingest reads before it writes, in one D1 round trip: stored copies of the events, the teams of the
 * pipelines they name, and the tenant's storage quota state.
 */
async function lookups(ctx: TenantCtx, events: Prepared[]) {
  const [existing, teams, quota] = await runReads(ctx, [
    existingEventKeys(
      ctx,
      events.map((p) => p.accepted.dedupeKey),
    ),
    pipelineTeamsRead(
      ctx,
      events.flatMap((p) => p.tuttiJobs.flatMap((c) => (c.pipeline ? [c.pipeline] : []))),
    ),
    quotaStateRead(ctx),
  ] as const);
  return { existing, teams, quota };
}

interface Prepared {
  index: number;
  accepted: AcceptedEvent;
  /** The body as received (UTF-8), stored in R2 before the row that names it. */
  bytes: Uint8Array;
  /** Its SHA-256 (hex): part of the dedupe key, and what the row records of its slice. */
  sha256: string;
  /** Where the body went in R2 (its object and slice), once put. */
  stored?: { key: string } & PackedRawBody;
  tuttiJobs: TuttiJobClaim[];
  ref: JobRef | null;
}

/**
 * Validates, deduplicates and stores OpenLineage events; one outcome per item, in order. The bodies of the valid
 * events go to R2 first, as one object (`blobs`: putRawBodyPack), put while the lookups (stored copies, pipeline
 * teams, storage quota) read D1: one wait instead of two. If that put fails, each new event is answered retriable and
 * no row names it. The rows are then written in one D1 batch (one transaction); should it fail, each event is retried
 * alone so one bad event cannot sink the others. An object this call put for events none of which got a row
 * (duplicates, refusals, over the quota) is removed. Nothing is written for an invalid event, nor for one speaking for another team's
 * pipeline (400), job or run (403: decided by the write itself, othersJobsCheck); of another team's datasets only
 * lineage is written (PlanGuard). Data-quality assertions that were stored are appended to `quality`, for alerts.
 */
export async function ingestOpenLineageEvents(
  ctx: TenantCtx,
  blobs: TenantBlobs,
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
    const bytes = utf8(items[i].body);
    const sha256 = await sha256Hex(bytes);
    const dedupeKey = await dedupeKeyOf(event, sha256);
    const runId = event.kind === "run" ? event.run.runId : null;
    if (seen.has(dedupeKey)) {
      outcomes[i] = { ok: true, duplicate: true, kind: event.kind, runId };
      continue;
    }
    seen.add(dedupeKey);
    prepared.push({
      index: i,
      accepted: { event, body: items[i].body, dedupeKey, eventId: newId("lineageEvent") },
      bytes,
      sha256,
      tuttiJobs: policy.tuttiJobs,
      ref: await jobRefOf(ids, event),
    });
  }
  if (!prepared.length) return outcomes;

  // The bytes before any row names them, so the put cannot wait for the lookups' answer: every valid event's body
  // goes in. A duplicate's slice is then named by no row (its stored copy names its own); should no event get a
  // row, settleBodies removes an object this call created.
  const [found, put] = await Promise.all([
    lookups(ctx, prepared).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
    putRawBodyPack(
      blobs,
      "lineage-event",
      prepared.map((p) => p.bytes),
      prepared.map((p) => p.sha256),
    ).then(
      (pack) => ({ pack }),
      (error: unknown) => ({ error }),
    ),
  ]);
  const pack = "pack" in put ? put.pack : null;
  if ("error" in found) {
    if (pack) await settleBodies(ctx, blobs, pack, false);
    throw found.error;
  }
  const fresh = prepared.filter((p) => {
    const duplicate = found.value.existing.has(p.accepted.dedupeKey);
    outcomes[p.index] = duplicate
      ? acceptedOutcome(p.accepted.event, true)
      : (refusedTuttiClaim(writer, p.tuttiJobs, found.value.teams) ?? acceptedOutcome(p.accepted.event, false));
    return !duplicate && outcomes[p.index].ok;
  });
  try {
    // Over a storage quota the whole request is refused (413 naming the quota) and no event is stored.
    if (fresh.length) checkQuotaState(ctx, found.value.quota, { bytes: fresh.reduce((n, p) => n + p.bytes.byteLength, 0), objects: fresh.length });
  } catch (err) {
    if (pack) await settleBodies(ctx, blobs, pack, false);
    throw err;
  }
  if (!pack) {
    // If the put failed, no event gets a row (each new one is answered retriable), so no row names a missing blob.
    for (const p of fresh) fail(outcomes, p.index, (put as { error: unknown }).error);
    return outcomes;
  }
  if (!fresh.length) {
    await settleBodies(ctx, blobs, pack, false);
    return outcomes;
  }
  prepared.forEach((p, i) => {
    p.stored = { key: pack.object.key, ...pack.bodies[i] };
  });
  let written = false;

  // One batch writes a group of events. Its first statement names the jobs and runs of the group that another team
  // owns, and every statement applies only if there are none (othersJobsCheck): the check and the write are one
  // step, so a job another team creates or claims while these events are on their way is not taken over. Then the
  // raw-event inserts say which events the batch stored; counters and the audit entry that follow count only those,
  // so copies of an event in flight together (each past the duplicate check above) count once.
  // Returns the events refused, for which (and for every other event of the group) nothing was written.
  const write = async (group: Prepared[]): Promise<Prepared[]> => {
    const plan = new LineagePlan();
    for (const p of group) await planOpenLineageEvent(plan, ids, p.accepted, writer);
    const refs = group.flatMap((p) => (p.ref ? [p.ref] : []));
    const others = othersJobsCheck(
      ctx.tenantId,
      writer.actsFor,
      refs.map((r) => r.jobId),
      refs.flatMap((r) => (r.runId ? [r.runId] : [])),
    );
    const raw = rawEventStatements(
      ctx,
      plan,
      group.map((p) => p.stored!),
      now,
      others.none,
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
    // Usage and the audit entry count stored raw events, so they need no condition of their own.
    const usage = usageAddedStatements(
      ctx,
      "lineage_event",
      group.map((p) => p.accepted.eventId),
    ).map(fromBuilder);
    // The event is stored and its lineage kept; another team's datasets keep their own facts (see docs/lineage.md).
    const [check, ...results] = await runBatch(ctx, [
      stmt(others.refused),
      ...raw,
      ...lineagePlanStatements(ctx, plan, now, { actsFor: writer.actsFor, onlyIf: others.none }),
      stmt(audit),
      ...usage,
    ]);
    const refusedIds = refusedJobsAndRuns(check);
    const refused = group.filter((p) => {
      const outcome = refusedJob(p.ref, refusedIds);
      if (outcome) outcomes[p.index] = outcome;
      return outcome !== null;
    });
    if (refused.length) return refused;
    const stored = storedEventKeys(results.slice(0, raw.length));
    const storedQuality = storedQualityKeys(results.slice(raw.length));
    updates.push(...updatedDatasets(results.slice(raw.length)));
    const storedIds = new Set<string>();
    for (const p of group) {
      if (stored.has(p.accepted.dedupeKey)) storedIds.add(p.accepted.eventId);
      else outcomes[p.index] = acceptedOutcome(p.accepted.event, true);
    }
    if (storedIds.size) written = true;
    quality.push(...[...plan.quality.values()].filter((q) => storedQuality.has(q.dedupeKey) && (q.eventId === undefined || storedIds.has(q.eventId))));
    return [];
  };
  // A group with refused events wrote nothing: the others are written again without them. Each round removes at
  // least one event, so this ends.
  const writeAll = async (group: Prepared[]) => {
    let pending = group;
    while (pending.length) {
      const refused = new Set(await write(pending));
      if (!refused.size) return;
      pending = pending.filter((p) => !refused.has(p));
    }
  };

  try {
    await writeAll(fresh);
  } catch (err) {
    if (fresh.length === 1) fail(outcomes, fresh[0].index, err);
    else {
      // Each event alone, so one bad event cannot sink the others (those already refused stay refused).
      for (const p of fresh.filter((p) => outcomes[p.index].ok)) {
        try {
          await writeAll([p]);
        } catch (single) {
          fail(outcomes, p.index, single);
        }
      }
    }
  }
  await settleBodies(ctx, blobs, pack, written);
  return outcomes;
}

/**
 * After the write: if this call stored any event (`written`), its object is put back should retention have just
 * removed it (keepRawBody: it was found in R2 already); if none (refused, failed, over the quota, all duplicates)
 * and this call created the object, it is removed unless some row names it. A duplicate's body is the stored
 * copy's own (the dedupe key holds the body's hash), kept under that copy's object. The bodies of refused and
 * duplicate events share the object with the stored ones and go with it: no row names their slices.
 */
async function settleBodies(ctx: TenantCtx, blobs: TenantBlobs, pack: StoredRawBodyPack, written: boolean) {
  if (written) {
    await keepRawBody(blobs, "lineage-event", pack.object, pack.content);
    return;
  }
  if (!pack.object.created) return;
  try {
    await deleteBlob(blobs, await unreferencedBlobKeys(ctx, [pack.object.key]));
  } catch (err) {
    // Left for the tenant's deletion: an object no row names is counted nowhere and read by nothing.
    log.with({ tenantId: ctx.tenantId }).error("removing bodies of unstored lineage events failed", errorFields(err));
  }
}
