import { sql } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { rawRows } from "../../statements";

/**
 * Open (unresolved) alerts per product: alerts about the product itself and alerts whose impact names it (by id
 * or name). Null when the alerting tables are not there yet (a database migrated before alerting shipped), so
 * the scorecard shows "unknown" rather than a reassuring zero.
 */
export async function openAlertCounts(ctx: TenantCtx, products: Array<{ id: string; name: string }>): Promise<Map<string, number> | null> {
  if (!products.length) return new Map();
  const pairs = JSON.stringify(products.map((p) => [p.id, p.name]));
  try {
    const rows = await rawRows(
      ctx,
      sql`SELECT p.value ->> '$[0]', count(DISTINCT a.id) FROM json_each(${pairs}) p
         JOIN alerts a ON a.tenant_id = ${ctx.tenantId} AND a.status <> 'resolved' AND (
           (a.subject_type = 'product' AND a.subject_id IN (p.value ->> '$[0]', p.value ->> '$[1]'))
           OR a.id IN (SELECT i.alert_id FROM alert_impacts i WHERE i.tenant_id = ${ctx.tenantId} AND i.product IN (p.value ->> '$[0]', p.value ->> '$[1]')))
         GROUP BY 1`,
    );
    const byId = new Map(rows.map((r) => [r[0] as string, r[1] as number]));
    return new Map(products.map((p) => [p.id, byId.get(p.id) ?? 0]));
  } catch (err) {
    if (/no such (table|column)/i.test(String((err as Error)?.message ?? err))) return null;
    throw err;
  }
}
