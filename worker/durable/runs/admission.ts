import { admit, admitChain, promotable } from "../../engine/admission";
import { slotsBetween } from "../../engine/cron";
import { planFromSpec } from "../../engine/plan";
import { connectorFor } from "../../connectors/registry";
import { newRunState } from "../../engine/transition";
import type { RunState } from "../../engine/types";
import { ApiError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { loadPipelineForRun, type LoadedPipeline } from "../pipeline-source";
import type { RunMeta } from "../run-meta";
import { buildSnapshot } from "../snapshot";
import type { RunRow } from "../storage";
import type { BackfillCreated, BackfillInput, CreateRunInput, RunSummary } from "./contract";
import type { RunsCore } from "./core";
import { afterTriggers } from "../../pipelines/triggers";
import { errorFields, log } from "../../lib/log";

/** A run asked for by the API: an existing run with the same dedupe key answers without reading D1. */
export async function createRun(core: RunsCore, input: CreateRunInput): Promise<RunSummary> {
  if (input.dedupeKey) {
    const existing = core.store.findRunByDedupeKey(input.dedupeKey);
    if (existing) return { id: existing.id, status: existing.state.status, deduplicated: true };
  }
  const loaded = await loadPipelineForRun(core.env, input.tenantId, input.pipelineId, input.environment);
  const summary = createRunSync(core, input, loaded, null);
  await core.settle();
  return summary;
}

/** One run per schedule slot in [from, to], started at most `parallelism` at a time. */
export async function createBackfill(core: RunsCore, input: BackfillInput): Promise<BackfillCreated> {
  const loaded = await loadPipelineForRun(core.env, input.tenantId, input.pipelineId);
  const schedule = loaded.spec.schedule;
  if (!schedule) throw new ApiError("validation_failed", "pipeline has no schedule to backfill", [{ path: "pipeline", message: "has no schedule" }]);
  const slots = slotsBetween(schedule.cron, schedule.timezone, input.from, input.to, 1000);
  const runIds: string[] = [];
  for (const slot of slots) {
    const s = createRunSync(
      core,
      {
        tenantId: input.tenantId,
        pipelineId: input.pipelineId,
        trigger: { kind: "backfill", by: input.by, ref: input.backfillId },
        params: input.params,
        dedupeKey: `backfill:${input.backfillId}:${slot}`,
        logicalAt: slot,
      },
      loaded,
      { id: input.backfillId, limit: input.parallelism },
    );
    runIds.push(s.id);
  }
  promote(core, input.pipelineId);
  await core.settle();
  return { backfillId: input.backfillId, runIds, slots };
}

/** Creates a run and applies the concurrency policy; synchronous so dedupe check and insert cannot interleave. */
export function createRunSync(core: RunsCore, input: CreateRunInput, loaded: LoadedPipeline, group: { id: string; limit: number } | null): RunSummary {
  const { store } = core;
  if (input.dedupeKey) {
    const existing = store.findRunByDedupeKey(input.dedupeKey);
    if (existing) return { id: existing.id, status: existing.state.status, deduplicated: true };
  }
  if (loaded.archived) throw new ApiError("conflict", "pipeline is archived");
  const now = core.now();
  const runId = newId("run");
  const spec = loaded.spec;
  const meta: RunMeta = {
    tenantId: input.tenantId,
    pipelineId: loaded.pipelineId,
    pipelineName: loaded.name,
    teamId: loaded.teamId,
    versionId: loaded.versionId,
    version: loaded.version,
    trigger: input.trigger,
    params: { ...spec.params, ...(input.params ?? {}) },
    logicalAt: input.logicalAt ?? null,
    backfillId: group?.id ?? null,
    environment: input.environment ?? "prod",
    ci: input.ci ?? null,
    tasks: spec.tasks.map((t) => ({ id: t.id, connector: t.connector, connection: t.connection, with: t.with, depends_on: t.depends_on })),
    concurrency: spec.concurrency,
    chainDepth: input.chainDepth ?? 0,
  };
  const state = newRunState(
    runId,
    planFromSpec(
      spec,
      (kind) => connectorFor(kind)?.rerun?.kind,
      (kind, input) => {
        const connector = connectorFor(kind);
        // The stored `with` was parsed by this schema at push; parsing again gives the connector its typed input.
        const parsed = connector?.sensor ? connector.withSchema.safeParse(input) : null;
        return parsed?.success ? connector!.sensor!(parsed.data) : null;
      },
    ),
    spec.timeout_ms,
    now,
    meta.params,
  );
  // Environments do not compete: a CI run never delays or skips a production run.
  const environment = input.environment ?? "prod";
  const active = store
    .activeRuns(loaded.pipelineId)
    .filter((r) => r.meta.environment === environment)
    .map((r) => ({
      id: r.id,
      status: r.state.status as "queued" | "running",
      queuedAt: r.queuedAt,
      groupId: r.groupId,
      groupLimit: r.groupLimit,
    }));
  const tooDeep = admitChain(meta.chainDepth ?? 0);
  if (tooDeep)
    log.with({ tenantId: input.tenantId }).warn("upstream trigger chain too deep; run skipped", {
      run_id: runId,
      pipeline: loaded.name,
      depth: meta.chainDepth,
      upstream_run: input.trigger.ref,
    });
  const decision = tooDeep ?? admit(spec.concurrency, active, group?.id ?? null);
  store.insertRun(
    {
      id: runId,
      pipelineId: loaded.pipelineId,
      status: "queued",
      groupId: group?.id ?? null,
      groupLimit: group?.limit ?? null,
      queuedAt: now,
      seq: 0,
      state,
      meta,
    },
    input.dedupeKey ?? null,
  );
  const created = buildSnapshot(
    meta,
    null,
    state,
    [{ taskKey: null, from: "none", to: "queued", reason: `triggered (${input.trigger.kind})` }],
    0,
    `create:${runId}`,
    now,
  );
  store.saveRun(runId, state, created.seq);
  store.enqueue({ kind: "d1", payload: created.snapshot });
  switch (decision.action) {
    case "start":
      core.apply(runId, `start:${runId}`, { type: "run.start" });
      break;
    case "queue":
      if (!group) promote(core, loaded.pipelineId);
      break;
    case "skip":
      core.apply(runId, `skip:${runId}`, { type: "run.skip", reason: decision.reason });
      break;
    case "cancel_previous":
      for (const id of decision.cancel) core.apply(id, `cancel:${id}`, { type: "run.cancel", reason: `cancelled by newer run ${runId}` });
      core.apply(runId, `start:${runId}`, { type: "run.start" });
      break;
  }
  return { id: runId, status: store.getRun(runId)!.state.status, deduplicated: false };
}

/** Starts queued runs of a pipeline that now fit under its concurrency limits. */
export function promote(core: RunsCore, pipelineId: string) {
  const held = core.store.backfills.held();
  const byEnvironment = new Map<string, RunRow[]>();
  for (const r of core.store.activeRuns(pipelineId)) byEnvironment.set(r.meta.environment, [...(byEnvironment.get(r.meta.environment) ?? []), r]);
  for (const active of byEnvironment.values()) {
    const maxRuns = active[active.length - 1].meta.concurrency.max_runs;
    const ids = promotable(
      maxRuns,
      active.map((r) => ({ id: r.id, status: r.state.status as "queued" | "running", queuedAt: r.queuedAt, groupId: r.groupId, groupLimit: r.groupLimit })),
      held,
    );
    for (const id of ids) core.apply(id, `start:${id}`, { type: "run.start" });
  }
}

/** A run ended: the next queued runs of its pipeline may start, and pipelines triggered `after:` it are due. */
export function afterRunFinished(core: RunsCore, row: RunRow, state: RunState) {
  promote(core, row.pipelineId);
  if (state.status === "skipped" || row.meta.environment !== "prod") return;
  const downstream = core.store.downstreamOf(row.meta.pipelineName);
  for (const p of downstream) {
    const trigger = afterTriggers(p.triggers).find((t) => t.after === row.meta.pipelineName)!;
    if (trigger.on === "success" && state.status !== "succeeded") continue;
    // Creating the downstream run needs its spec from D1: done after this synchronous block.
    core.pendingUpstream.push({
      kind: "upstream",
      pipelineId: p.id,
      dedupeKey: `upstream:${row.id}:${state.attempt}:${p.id}`,
      ref: row.id,
      chainDepth: (row.meta.chainDepth ?? 0) + 1,
    });
  }
}

/** Creates the runs `afterRunFinished` and dataset triggers queued; a failure is logged and leaves the others to run. */
export async function createPendingUpstreamRuns(core: RunsCore) {
  while (core.pendingUpstream.length) {
    const next = core.pendingUpstream.shift()!;
    const tenantId = core.tenantId();
    try {
      const loaded = await productionPipeline(core, next.pipelineId);
      createRunSync(
        core,
        {
          tenantId,
          pipelineId: next.pipelineId,
          trigger: { kind: next.kind, by: null, ref: next.ref },
          dedupeKey: next.dedupeKey,
          chainDepth: next.chainDepth,
        },
        loaded,
        null,
      );
    } catch (err) {
      log.with({ tenantId }).error(`${next.kind} trigger failed`, { pipeline: next.pipelineId, ...errorFields(err) });
    }
  }
}

/** The production version a schedule or `after:` trigger starts: the copy syncPipeline keeps, else D1's. */
export async function productionPipeline(core: RunsCore, pipelineId: string): Promise<LoadedPipeline> {
  return core.store.getPipeline(pipelineId)?.run ?? (await loadPipelineForRun(core.env, core.tenantId(), pipelineId));
}
