import type { TenantCtx } from "../../db/client";
import { getProduct } from "../../db/repo/products/products";
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
