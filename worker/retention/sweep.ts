import { deleteBlob, tenantBlobs } from "../blobs/store";
import type { TenantCtx } from "../db/client";
import { getRetention } from "../db/repo/platform/retention";
import { expiredRows, expiredRunEvents, expiredTaskLogs, expiredUploads, removeRows, unreferencedBlobKeys } from "../db/repo/platform/retention-sweep";
import type { StoredKind } from "../db/schema/enums";
import type { Env } from "../env";
import type { RetentionSettings } from "./settings";
import { tenantContext } from "../db/shards";

const DAY_MS = 86_400_000;

export interface SweepResult {
  /** Rows removed per kind in this pass. */
  removed: Partial<Record<StoredKind, number>>;
  /** True when the pass used its whole budget: more may be past retention, and the next pass should come soon. */
  more: boolean;
}

type Step = (ctx: TenantCtx, env: Env, s: RetentionSettings, now: number, limit: number) => Promise<{ picked: number; removed: number }>;

/**
 * Deletes, after the rows that named them are gone, the R2 objects no remaining row names (rows share content). A
 * pass that stops between the two leaves objects no row names; they go with the tenant's deletion.
 */
async function removeUnreferencedBlobs(ctx: TenantCtx, env: Env, keys: Array<string | null>) {
  const orphans = await unreferencedBlobKeys(
    ctx,
    keys.filter((k): k is string => k !== null),
  );
  await deleteBlob(tenantBlobs(env.BLOBS, ctx), orphans);
}

const aged =
  (kind: "lineage_event" | "webhook_payload" | "audit_entry", days: (s: RetentionSettings) => number): Step =>
  async (ctx, env, s, now, limit) => {
    const rows = await expiredRows(ctx, kind, now - days(s) * DAY_MS, limit);
    const removed = await removeRows(
      ctx,
      kind,
      rows.map((r) => r.rid),
    );
    await removeUnreferencedBlobs(
      ctx,
      env,
      rows.map((r) => r.blobKey),
    );
    return { picked: rows.length, removed };
  };

/** In the order the sweep takes them: the bulkiest raw data first. */
const steps: Array<[StoredKind, Step]> = [
  ["lineage_event", aged("lineage_event", (s) => s.lineageEventDays)],
  ["webhook_payload", aged("webhook_payload", (s) => s.webhookPayloadDays)],
  [
    "dbt_upload",
    async (ctx, env, s, _now, limit) => {
      const uploads = await expiredUploads(ctx, s.dbtUploadsKept, limit);
      const removed = await removeRows(
        ctx,
        "dbt_upload",
        uploads.map((u) => u.rid),
      );
      await removeUnreferencedBlobs(
        ctx,
        env,
        uploads.flatMap((u) => u.blobKeys),
      );
      return { picked: uploads.length, removed };
    },
  ],
  [
    "task_log",
    async (ctx, env, s, now, limit) => {
      const logs = await expiredTaskLogs(ctx, now - s.runEventDays * DAY_MS, limit);
      const removed = await removeRows(
        ctx,
        "task_log",
        logs.map((l) => l.rid),
      );
      // Each attempt has a key of its own: nothing else names it once its row is gone.
      await deleteBlob(
        tenantBlobs(env.BLOBS, ctx),
        logs.map((l) => l.blobKey),
      );
      return { picked: logs.length, removed };
    },
  ],
  [
    "run_event",
    async (ctx, _env, s, now, limit) => {
      const rowids = await expiredRunEvents(ctx, now - s.runEventDays * DAY_MS, limit);
      return { picked: rowids.length, removed: await removeRows(ctx, "run_event", rowids) };
    },
  ],
  ["audit_entry", aged("audit_entry", (s) => s.auditLogDays)],
];

/**
 * One bounded pass of a tenant's retention: removes at most `budget` rows past the tenant's settings at `now`,
 * oldest first, kind after kind. Safe to repeat or interrupt: each removal is one D1 batch of rows picked afresh.
 */
export async function sweepRetention(env: Env, tenantId: string, now: number, budget: number): Promise<SweepResult> {
  const ctx = await tenantContext(env, tenantId);
  const settings = await getRetention(ctx);
  const removed: SweepResult["removed"] = {};
  let left = budget;
  for (const [kind, step] of steps) {
    const { picked, removed: n } = await step(ctx, env, settings, now, left);
    if (n) removed[kind] = n;
    left -= picked;
    if (left <= 0) return { removed, more: true };
  }
  return { removed, more: false };
}
