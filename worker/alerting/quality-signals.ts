import type { TenantCtx } from "../db/client";
import { datasetOwnership } from "../db/repo/ownership";
import type { Env } from "../env";
import type { QualityCheckSignal } from "../queues/notify-messages";

export interface QualityOutcome {
  datasetId: string;
  check: string;
  column: string | null;
  status: string;
  message: string | null;
  at: number;
}

/** fail and error raise (or repeat) an alert, pass resolves it; warn and skipped say nothing either way. */
export function qualitySignals(tenantId: string, names: Map<string, string>, results: QualityOutcome[]): QualityCheckSignal[] {
  return results.flatMap((r): QualityCheckSignal[] => {
    const type = r.status === "fail" || r.status === "error" ? "quality.check_failed" : r.status === "pass" ? "quality.check_passed" : null;
    if (!type) return [];
    return [{ type, tenantId, datasetId: r.datasetId, datasetName: names.get(r.datasetId) ?? r.datasetId, checkName: r.check, column: r.column, status: r.status, message: r.message, at: r.at }];
  });
}

const SEND_BATCH = 100;

/** Tells alerting about stored quality results (call after they are written). */
export async function sendQualitySignals(env: Env, ctx: TenantCtx, results: QualityOutcome[]): Promise<void> {
  const owners = await datasetOwnership(ctx, [...new Set(results.map((r) => r.datasetId))]);
  const signals = qualitySignals(ctx.tenantId, new Map([...owners.values()].map((d) => [d.id, d.name])), results);
  for (let i = 0; i < signals.length; i += SEND_BATCH) await env.NOTIFY.sendBatch(signals.slice(i, i + SEND_BATCH).map((body) => ({ body })));
}
