import type { RunState } from "../engine/types";
import { afterTriggers } from "../pipelines/triggers";
import type { PipelineEntry, RunMeta } from "./run-meta";
import { BackfillControlStore } from "./backfill-controls";
import { DatasetMarkStore } from "./dataset-marks";
import { PoolSlotStore } from "./pool-slots";
import type { TimerEvent } from "./timer-events";

export interface RunRow {
  id: string;
  pipelineId: string;
  status: string;
  groupId: string | null;
  groupLimit: number | null;
  queuedAt: number;
  seq: number;
  state: RunState;
  meta: RunMeta;
}

/**
 * `d1`: a run snapshot to write through; `log` and `use`: an attempt's tool log and connection use, from a dispatch the
 * object performed itself, written with the snapshots (runs/outbox.ts).
 */
export type OutboxItem =
  | { kind: "dispatch"; payload: unknown }
  | { kind: "d1"; payload: unknown }
  | { kind: "notify"; payload: unknown }
  | { kind: "log"; payload: unknown }
  | { kind: "use"; payload: unknown };

/** Typed access to the Durable Object's own SQLite tables (schema: migrations.ts). All calls are synchronous. */
export class RunStore {
  /** The dataset triggers' marks (their own module: a table of their own, used only by the trigger logic). */
  readonly marks: DatasetMarkStore;
  /** Paused and cancelled backfills (their own module, like the marks). */
  readonly backfills: BackfillControlStore;
  /** Pool sizes and the slots attempts wait for or hold (runs/pools.ts). */
  readonly pools: PoolSlotStore;

  constructor(private readonly sql: SqlStorage) {
    this.marks = new DatasetMarkStore(sql);
    this.backfills = new BackfillControlStore(sql);
    this.pools = new PoolSlotStore(sql);
  }

  /**
   * The object learns its tenant from its first call and keeps it; every later call must name the same one. The
   * Worker picks the object by tenant id, so another id here is a bug that would mix tenants: refused.
   */
  checkTenant(tenantId: string) {
    this.sql.exec("INSERT OR IGNORE INTO settings (key, value) VALUES ('tenant_id', ?)", tenantId);
    const own = this.tenantId();
    if (own !== tenantId) throw new Error(`this run engine serves tenant ${own}, not ${tenantId}`);
  }

  /** The tenant learned from the first call, or null before any call (a new object, or one wiped with its tenant). */
  knownTenant(): string | null {
    const row = this.sql.exec("SELECT value FROM settings WHERE key = 'tenant_id'").toArray()[0];
    return row ? (row.value as string) : null;
  }

  tenantId(): string {
    const row = this.sql.exec("SELECT value FROM settings WHERE key = 'tenant_id'").toArray()[0];
    if (!row) throw new Error("TenantRuns used before it learned its tenant");
    return row.value as string;
  }

  getRun(id: string): RunRow | null {
    const row = this.sql.exec("SELECT * FROM runs WHERE id = ?", id).toArray()[0];
    return row ? toRunRow(row) : null;
  }

  findRunByDedupeKey(key: string): RunRow | null {
    const row = this.sql.exec("SELECT * FROM runs WHERE dedupe_key = ?", key).toArray()[0];
    return row ? toRunRow(row) : null;
  }

  /** Latest successful finish of a pipeline's production runs in [from, to], among runs the DO still holds. */
  lastSuccessBetween(pipelineId: string, from: number, to: number): number | null {
    const row = this.sql
      .exec(
        "SELECT MAX(finished_at) AS at FROM runs WHERE pipeline_id = ? AND status = 'succeeded' AND finished_at >= ? AND finished_at <= ? AND json_extract(meta, '$.environment') = 'prod'",
        pipelineId,
        from,
        to,
      )
      .toArray()[0];
    return (row?.at as number | null) ?? null;
  }

  activeRuns(pipelineId: string): RunRow[] {
    return this.sql.exec("SELECT * FROM runs WHERE pipeline_id = ? AND status IN ('queued', 'running') ORDER BY queued_at", pipelineId).toArray().map(toRunRow);
  }

  /** The unfinished runs of one backfill, oldest first. */
  activeRunsOfGroup(groupId: string): RunRow[] {
    return this.sql.exec("SELECT * FROM runs WHERE group_id = ? AND status IN ('queued', 'running') ORDER BY queued_at", groupId).toArray().map(toRunRow);
  }

  insertRun(row: RunRow, dedupeKey: string | null) {
    this.sql.exec(
      "INSERT INTO runs (id, pipeline_id, status, group_id, group_limit, dedupe_key, queued_at, finished_at, seq, state, meta) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)",
      row.id,
      row.pipelineId,
      row.status,
      row.groupId,
      row.groupLimit,
      dedupeKey,
      row.queuedAt,
      row.seq,
      JSON.stringify(row.state),
      JSON.stringify(row.meta),
    );
  }

  saveRun(id: string, state: RunState, seq: number) {
    this.sql.exec(
      "UPDATE runs SET status = ?, finished_at = ?, seq = ?, state = ? WHERE id = ?",
      state.status,
      state.finishedAt,
      seq,
      JSON.stringify(state),
      id,
    );
  }

  /** Finished runs older than the cutoff leave the DO (D1 keeps them); retry-from-failure needs them only for a while. */
  purgeFinishedBefore(cutoff: number) {
    this.sql.exec("DELETE FROM runs WHERE finished_at IS NOT NULL AND finished_at < ?", cutoff);
    this.sql.exec("DELETE FROM applied_events WHERE at < ?", cutoff);
    this.sql.exec("DELETE FROM claims WHERE at < ?", cutoff);
    this.sql.exec("DELETE FROM parked_deliveries WHERE at < ?", cutoff);
  }

  wasApplied(eventId: string): boolean {
    return this.sql.exec("SELECT 1 FROM applied_events WHERE id = ?", eventId).toArray().length > 0;
  }

  markApplied(eventId: string, at: number) {
    this.sql.exec("INSERT OR IGNORE INTO applied_events (id, at) VALUES (?, ?)", eventId, at);
  }

  setTimer(key: string, dueAt: number, event: TimerEvent, runId: string | null) {
    this.sql.exec(
      "INSERT INTO timers (key, due_at, event, run_id) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET due_at = excluded.due_at, event = excluded.event, run_id = excluded.run_id",
      key,
      dueAt,
      JSON.stringify(event),
      runId,
    );
  }

  clearTimer(key: string) {
    this.sql.exec("DELETE FROM timers WHERE key = ?", key);
  }

  getTimer(key: string): { key: string; dueAt: number; event: TimerEvent } | null {
    const row = this.sql.exec("SELECT key, due_at, event FROM timers WHERE key = ?", key).toArray()[0];
    return row ? { key: row.key as string, dueAt: row.due_at as number, event: JSON.parse(row.event as string) } : null;
  }

  dueTimers(now: number, limit: number): Array<{ key: string; dueAt: number; event: TimerEvent }> {
    return this.sql
      .exec("SELECT key, due_at, event FROM timers WHERE due_at <= ? ORDER BY due_at LIMIT ?", now, limit)
      .toArray()
      .map((r) => ({ key: r.key as string, dueAt: r.due_at as number, event: JSON.parse(r.event as string) }));
  }

  earliestTimer(): number | null {
    const row = this.sql.exec("SELECT MIN(due_at) AS due FROM timers").toArray()[0];
    return (row?.due as number | null) ?? null;
  }

  /**
   * Claims a dispatch for a lease on behalf of `holder`: `busy` while another live delivery holds it, `done` once
   * completed, `reclaimed` when an earlier holder's lease ran out before it finished — or `gone` says that holder is
   * gone for sure — so its call to the tool may have landed.
   */
  claim(id: string, now: number, leaseMs: number, holder: string | null, gone: (heldBy: string | null) => boolean): "claimed" | "reclaimed" | "busy" | "done" {
    const row = this.sql.exec("SELECT lease_until, done, holder FROM claims WHERE id = ?", id).toArray()[0];
    if (row?.done) return "done";
    if (row && (row.lease_until as number) > now && !gone(row.holder as string | null)) return "busy";
    const upsert = "ON CONFLICT (id) DO UPDATE SET lease_until = excluded.lease_until, holder = excluded.holder";
    this.sql.exec(`INSERT INTO claims (id, lease_until, done, at, holder) VALUES (?, ?, 0, ?, ?) ${upsert}`, id, now + leaseMs, now, holder);
    return row ? "reclaimed" : "claimed";
  }

  /**
   * Ends a holder's lease early, as if it had run out: the holder gave the call up (handed it to the queue) and may
   * have reached the tool, so the next claim is `reclaimed`.
   */
  releaseClaim(id: string) {
    this.sql.exec("UPDATE claims SET lease_until = 0 WHERE id = ? AND done = 0", id);
  }

  completeClaim(id: string, now: number) {
    this.sql.exec("INSERT INTO claims (id, lease_until, done, at) VALUES (?, 0, 1, ?) ON CONFLICT (id) DO UPDATE SET done = 1", id, now);
    this.settleDispatch(id);
  }

  /**
   * A dispatch sent (or claimed) whose claim has not completed: it is sent again at `dueAt` unless it settles first,
   * because a queue message, or the process calling the tool, can vanish without a trace.
   */
  trackDispatch(claimId: string, payload: unknown, dueAt: number) {
    this.sql.exec(
      "INSERT INTO unsettled_dispatches (claim_id, payload, due_at) VALUES (?, ?, ?) ON CONFLICT (claim_id) DO UPDATE SET due_at = excluded.due_at",
      claimId,
      JSON.stringify(payload),
      dueAt,
    );
  }

  /** Nothing more to send for this claim: it completed, or no longer applies (stale attempt, dead-lettered). */
  settleDispatch(claimId: string) {
    this.sql.exec("DELETE FROM unsettled_dispatches WHERE claim_id = ?", claimId);
  }

  dueDispatches(now: number, limit: number): Array<{ claimId: string; payload: unknown }> {
    return this.sql
      .exec("SELECT claim_id, payload FROM unsettled_dispatches WHERE due_at <= ? ORDER BY due_at LIMIT ?", now, limit)
      .toArray()
      .map((r) => ({ claimId: r.claim_id as string, payload: JSON.parse(r.payload as string) }));
  }

  earliestDispatchDue(): number | null {
    const row = this.sql.exec("SELECT MIN(due_at) AS due FROM unsettled_dispatches").toArray()[0];
    return (row?.due as number | null) ?? null;
  }

  putPipeline(entry: PipelineEntry) {
    this.sql.exec(
      "INSERT INTO pipelines (id, name, data) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, data = excluded.data",
      entry.id,
      entry.name,
      JSON.stringify(entry),
    );
  }

  deletePipeline(id: string) {
    this.sql.exec("DELETE FROM pipelines WHERE id = ?", id);
  }

  getPipeline(id: string): PipelineEntry | null {
    const row = this.sql.exec("SELECT data FROM pipelines WHERE id = ?", id).toArray()[0];
    return row ? JSON.parse(row.data as string) : null;
  }

  /** Pipelines with an `after:` trigger on the given pipeline name. */
  downstreamOf(name: string): PipelineEntry[] {
    return this.sql
      .exec("SELECT data FROM pipelines")
      .toArray()
      .map((r) => JSON.parse(r.data as string) as PipelineEntry)
      .filter((p) => !p.paused && afterTriggers(p.triggers).some((t) => t.after === name));
  }

  /** Active pipelines with a dataset trigger on one of `datasetIds`. */
  pipelinesWatching(datasetIds: ReadonlySet<string>): PipelineEntry[] {
    return this.sql
      .exec("SELECT data FROM pipelines")
      .toArray()
      .map((r) => JSON.parse(r.data as string) as PipelineEntry)
      .filter((p) => !p.paused && (p.datasetTriggers ?? []).some((t) => t.datasetIds.some((id) => datasetIds.has(id))));
  }

  /**
   * A webhook for an external id no task of its connection has yet (it can beat the trigger call's response).
   * Kept per connection: only a task started through the same connection ever takes it.
   */
  parkWebhook(connectionId: string, externalId: string, deliveryId: string, outcome: unknown, at: number) {
    this.sql.exec(
      "INSERT OR IGNORE INTO parked_deliveries (connection_id, external_id, delivery_id, outcome, at) VALUES (?, ?, ?, ?, ?)",
      connectionId,
      externalId,
      deliveryId,
      JSON.stringify(outcome),
      at,
    );
  }

  takeParkedWebhooks(connectionId: string, externalId: string): Array<{ deliveryId: string; outcome: unknown }> {
    const rows = this.sql
      .exec("SELECT delivery_id, outcome FROM parked_deliveries WHERE connection_id = ? AND external_id = ? ORDER BY at", connectionId, externalId)
      .toArray();
    this.sql.exec("DELETE FROM parked_deliveries WHERE connection_id = ? AND external_id = ?", connectionId, externalId);
    return rows.map((r) => ({ deliveryId: r.delivery_id as string, outcome: JSON.parse(r.outcome as string) }));
  }

  /**
   * The active task (run id, key, attempt) started through `connectionId` whose tool-side id is `externalId`. A
   * task of another connection never matches, even with the same external id: a webhook proves only that it came
   * from whoever holds its own connection's secret.
   */
  findActiveTaskByExternalId(connectionId: string, externalId: string): { runId: string; taskKey: string; attempt: number } | null {
    const rows = this.sql.exec("SELECT id, state FROM runs WHERE status = 'running'").toArray();
    for (const r of rows) {
      const state = JSON.parse(r.state as string) as RunState;
      for (const t of Object.values(state.tasks)) {
        if (t.handle?.externalId === externalId && t.handle.connectionId === connectionId) return { runId: r.id as string, taskKey: t.key, attempt: t.attempt };
      }
    }
    return null;
  }

  enqueue(item: OutboxItem) {
    this.sql.exec("INSERT INTO outbox (kind, payload) VALUES (?, ?)", item.kind, JSON.stringify(item.payload));
  }

  /** The oldest outbox items, of the given kinds (default: all), leaving out the `exclude` ids. */
  outbox(
    limit: number,
    { kinds, exclude = [] }: { kinds?: Array<OutboxItem["kind"]>; exclude?: number[] } = {},
  ): Array<{ id: number; kind: OutboxItem["kind"]; payload: unknown }> {
    const where: string[] = [];
    if (kinds) where.push(`kind IN (${kinds.map(() => "?").join(",")})`);
    if (exclude.length) where.push(`id NOT IN (${exclude.map(() => "?").join(",")})`);
    const rows = this.sql.exec(
      `SELECT id, kind, payload FROM outbox ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id LIMIT ?`,
      ...(kinds ?? []),
      ...exclude,
      limit,
    );
    return rows.toArray().map((r) => ({ id: r.id as number, kind: r.kind as OutboxItem["kind"], payload: JSON.parse(r.payload as string) }));
  }

  removeOutbox(ids: number[]) {
    if (!ids.length) return;
    this.sql.exec(`DELETE FROM outbox WHERE id IN (${ids.map(() => "?").join(",")})`, ...ids);
  }
}

function toRunRow(row: Record<string, SqlStorageValue>): RunRow {
  return {
    id: row.id as string,
    pipelineId: row.pipeline_id as string,
    status: row.status as string,
    groupId: row.group_id as string | null,
    groupLimit: row.group_limit as number | null,
    queuedAt: row.queued_at as number,
    seq: row.seq as number,
    state: JSON.parse(row.state as string),
    meta: JSON.parse(row.meta as string),
  };
}
