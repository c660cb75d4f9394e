import type { TenantCtx } from "../../db/client";
import type { Budget } from "../../db/repo/costs/budgets";
import { getProduct, rawRows } from "../../db/repo/products/products";
import { getTeam } from "../../db/repo/accounts/teams";
import type { BudgetScope } from "../../db/schema/enums";
import { invalid } from "../../lib/errors";

/** The team or product a budget covers, with the team that owns it (who may edit the budget and is alerted). */
export async function resolveScope(ctx: TenantCtx, scope: BudgetScope, scopeId: string): Promise<{ id: string; name: string; ownerTeamId: string }> {
  if (scope === "team") {
    const team = await getTeam(ctx, scopeId);
    if (!team) throw invalid("scope_id", "no such team");
    return { id: team.id, name: team.name, ownerTeamId: team.id };
  }
  const product = await getProduct(ctx, scopeId);
  if (!product) throw invalid("scope_id", "no such product");
  return { id: product.p.id, name: product.p.title, ownerTeamId: product.p.ownerTeamId };
}

/** Names and owner teams of many budgets' scopes at once. */
export async function scopesOf(ctx: TenantCtx, list: Budget[]): Promise<Map<string, { name: string; ownerTeamId: string | null }>> {
  const teams = list.filter((b) => b.scope === "team").map((b) => b.scopeId);
  const products = list.filter((b) => b.scope === "product").map((b) => b.scopeId);
  const rows = await rawRows(
    ctx,
    `SELECT 'team:' || id, name, id FROM teams WHERE tenant_id = ?1 AND id IN (SELECT value FROM json_each(?2))
     UNION ALL SELECT 'product:' || id, title, owner_team_id FROM products WHERE tenant_id = ?1 AND id IN (SELECT value FROM json_each(?3))`,
    JSON.stringify(teams),
    JSON.stringify(products),
  );
  return new Map(rows.map((r) => [r[0] as string, { name: r[1] as string, ownerTeamId: (r[2] as string | null) ?? null }]));
}
