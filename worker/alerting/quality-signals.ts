import type { TenantCtx } from "../db/client";
import { datasetOwnership } from "../db/repo/pipelines/ownership";
import { unresolvedByKeys } from "../db/repo/alerting/alerts";
import type { QualityRow } from "../lineage/plan";
import type { NotifySender, QualityCheckSignal } from "../queues/notify-messages";
import { qualityKey } from "./intents";

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
    return [
      {
        type,
        tenantId,
        datasetId: r.datasetId,
        datasetName: names.get(r.datasetId) ?? r.datasetId,
        checkName: r.check,
        column: r.column,
        status: r.status,
        message: r.message,
        at: r.at,
      },
    ];
  });
}

/** Quality rows a lineage write stored (dbt tests, OpenLineage assertions), as outcomes to signal. */
export function qualityOutcomes(rows: Iterable<QualityRow>): QualityOutcome[] {
  return [...rows].map((r) => ({
    datasetId: r.datasetId,
    check: r.checkName,
    column: r.columnName,
    status: r.status,
    message: typeof r.details.message === "string" ? r.details.message : null,
    at: r.observedAt,
  }));
}

const SEND_BATCH = 100;
/** D1 binds at most 100 parameters per statement. */
const KEYS_PER_QUERY = 90;

/**
 * Tells alerting about stored quality results (call after they are written). A pass only matters where an alert is
 * open, and a dbt project reports hundreds of passing tests per run, so passes without an open alert are not sent.
 */
export async function sendQualitySignals(notify: NotifySender, ctx: TenantCtx, results: QualityOutcome[]): Promise<void> {
  if (!results.length) return;
  const owners = await datasetOwnership(ctx, [...new Set(results.map((r) => r.datasetId))]);
  const signals = qualitySignals(ctx.tenantId, new Map([...owners.values()].map((d) => [d.id, d.name])), results);
  const keyOf = (s: QualityCheckSignal) => qualityKey(s.datasetId, s.checkName, s.column);
  const passKeys = [...new Set(signals.filter((s) => s.type === "quality.check_passed").map(keyOf))];
  const open = new Set<string>();
  for (let i = 0; i < passKeys.length; i += KEYS_PER_QUERY) {
    for (const a of await unresolvedByKeys(ctx, passKeys.slice(i, i + KEYS_PER_QUERY))) if (a.openKey) open.add(a.openKey);
  }
  const wanted = signals.filter((s) => s.type === "quality.check_failed" || open.has(keyOf(s)));
  for (let i = 0; i < wanted.length; i += SEND_BATCH) await notify.sendBatch(wanted.slice(i, i + SEND_BATCH).map((body) => ({ body })));
}

/** dbt tests alert only for production artifacts: a CI or development environment's failures belong to its pull request. */
export async function sendDbtQualitySignals(notify: NotifySender, ctx: TenantCtx, environment: string, rows: QualityRow[]): Promise<void> {
  if (environment !== "prod") return;
  await sendQualitySignals(notify, ctx, qualityOutcomes(rows));
}
