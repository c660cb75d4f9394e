import { expect } from "vitest";
import { api, type Session } from "./api";
import { fireAlarm, setEngineTime } from "./engine";
import { tenantD1 } from "./tenant-db";

/**
 * Runs the tenant's due timers as its alarm would at business time `ms`. The engine clock keeps moving while a test
 * runs, so each pass is due a little after the hour it was set for: tests fire the next one with a margin.
 */
export async function alarmAt(tenantId: string, ms: number) {
  await setEngineTime(tenantId, ms);
  await fireAlarm(tenantId);
}

export async function collectors(as: Session) {
  const res = await api("/collectors", { as });
  expect(res.status).toBe(200);
  return res.json.items as Array<{
    connection_id: string;
    enabled: boolean;
    next_run_at: string | null;
    watermarks: Record<string, string>;
    last_run: { rows_read: number; inserted: number; updated: number; unchanged: number; usage_events: number; error: string | null } | null;
    current_pass: { id: string; state: "queued" | "running" } | null;
  }>;
}

/** The tenant's ledger records of `source`, by external ref. */
export async function ledger(tenantId: string, source: string) {
  const rows = await (await tenantD1(tenantId))
    .prepare(
      "SELECT external_ref, amount_micros, quantity, unit, run_id, task_key, team_id FROM cost_records WHERE tenant_id = ? AND source = ? ORDER BY external_ref",
    )
    .bind(tenantId, source)
    .all();
  return rows.results as Array<{
    external_ref: string;
    amount_micros: number;
    quantity: number;
    unit: string;
    run_id: string | null;
    task_key: string | null;
    team_id: string;
  }>;
}

export const total = (rows: Array<{ amount_micros: number }>) => rows.reduce((a, r) => a + r.amount_micros, 0);

/** Enables a connection's collector with `settings`; the first pass is due about a minute later. */
export async function enable(as: Session, connectionId: string, settings: Record<string, unknown>) {
  const res = await api(`/collectors/${connectionId}`, { as, method: "PUT", body: { enabled: true, settings } });
  expect(res.status, res.text).toBe(200);
  return res.json;
}
