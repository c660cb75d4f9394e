import { expect } from "vitest";
import { fakeUrl } from "./tool-fakes";
import { tenantD1 } from "./tenant-db";

/**
 * BI tools' usage as their fakes serve it (test/fakes/looker, test/fakes/powerbi). Each call makes new credentials,
 * so tests running in parallel never share data; registering again under the same client id replaces the history
 * (runs or events that arrived late).
 */
export const biKey = (prefix: string) => ({ client_id: `${prefix}-${crypto.randomUUID()}`, client_secret: `secret-${crypto.randomUUID()}` });

export interface LookerRun {
  at: string;
  source: string;
  user_id: string;
  email: string;
  dashboard_id?: string;
  look_id?: string;
  model: string;
  view: string;
}

export async function registerLooker(key: ReturnType<typeof biKey>, runs: LookerRun[]) {
  const res = await fetch(`${fakeUrl("looker")}/__fake/instances/${key.client_id}`, {
    method: "PUT",
    body: JSON.stringify({ client_secret: key.client_secret, runs }),
  });
  expect(res.status).toBe(204);
}

export async function registerPowerBi(key: ReturnType<typeof biKey>, events: Array<Record<string, unknown>>) {
  const res = await fetch(`${fakeUrl("powerbi")}/__fake/principals/${key.client_id}`, {
    method: "PUT",
    body: JSON.stringify({ client_secret: key.client_secret, events }),
  });
  expect(res.status).toBe(204);
}

/** `n` query runs of one item by one user at one time (the history has one entry per run). */
export const runs = (n: number, run: LookerRun): LookerRun[] => Array.from({ length: n }, () => run);

/** The tenant's stored usage events, in a stable order. */
export async function usageEvents(tenantId: string) {
  const rows = await (await tenantD1(tenantId))
    .prepare("SELECT id, product_id, consumer, kind, count, day FROM usage_events WHERE tenant_id = ? ORDER BY day, id, product_id")
    .bind(tenantId)
    .all();
  return rows.results as Array<{ id: string; product_id: string; consumer: string; kind: string; count: number; day: string }>;
}

/** The daily rollup as [product name ("" unassigned), day, total count], sorted; `names`: product id → name. */
export async function usageByProductDay(tenantId: string, names: Record<string, string>) {
  const rows = await (await tenantD1(tenantId))
    .prepare("SELECT product_id, day, sum(count) AS n FROM usage_daily WHERE tenant_id = ? GROUP BY product_id, day ORDER BY product_id, day")
    .bind(tenantId)
    .all();
  return (rows.results as Array<{ product_id: string; day: string; n: number }>)
    .map((r) => [names[r.product_id] ?? r.product_id, r.day, r.n] as const)
    .sort((a, b) => a[0].localeCompare(b[0]) || a[1].localeCompare(b[1]));
}
