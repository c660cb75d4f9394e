import { and, asc, eq, gt, sql, type SQL } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { productMembers, products, teams } from "../../schema";
import { rawRows } from "../../statements";

/**
 * Data products and their stored member rules: lookups and listings. Writes are in ./write.ts; which datasets and
 * pipelines the rules match is resolved in ./membership.ts.
 */

export type Product = typeof products.$inferSelect;
export type ProductMember = typeof productMembers.$inferSelect;

export interface ProductRow {
  p: Product;
  teamName: string | null;
}

const withTeam = (ctx: TenantCtx) =>
  ctx.db
    .select({ p: products, teamName: teams.name })
    .from(products)
    .leftJoin(teams, and(eq(teams.tenantId, products.tenantId), eq(teams.id, products.ownerTeamId)));

/** A product by id (`dp_…`) or by name. */
export async function getProduct(ctx: TenantCtx, idOrName: string): Promise<ProductRow | null> {
  const key = idOrName.startsWith("dp_") ? eq(products.id, idOrName) : eq(products.name, idOrName);
  const [row] = await withTeam(ctx)
    .where(and(eq(products.tenantId, ctx.tenantId), key))
    .limit(1);
  return row ?? null;
}

export interface ProductFilter {
  ownerTeamId?: string;
  q?: string;
  after?: string;
  /** Omit for every product (the scorecard ranks them all). */
  limit?: number;
}

/** Products ordered by name; `limit + 1` rows when a limit is given, for cursor paging. */
export async function listProducts(ctx: TenantCtx, f: ProductFilter = {}): Promise<ProductRow[]> {
  const conds: SQL[] = [eq(products.tenantId, ctx.tenantId)];
  if (f.ownerTeamId) conds.push(eq(products.ownerTeamId, f.ownerTeamId));
  if (f.after) conds.push(gt(products.name, f.after));
  if (f.q) {
    const pattern = `%${f.q.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    conds.push(sql`(lower(${products.name}) LIKE ${pattern} ESCAPE '\\' OR lower(${products.title}) LIKE ${pattern} ESCAPE '\\')`);
  }
  const q = withTeam(ctx)
    .where(and(...conds))
    .orderBy(asc(products.name));
  return f.limit === undefined ? q : q.limit(f.limit + 1);
}

export async function membersOf(ctx: TenantCtx, productId: string): Promise<ProductMember[]> {
  return ctx.db
    .select()
    .from(productMembers)
    .where(and(eq(productMembers.tenantId, ctx.tenantId), eq(productMembers.productId, productId)))
    .orderBy(asc(productMembers.kind), asc(productMembers.ref));
}

/** Members of several products at once (a page of the list), ordered like membersOf. */
export async function membersOfProducts(ctx: TenantCtx, productIds: string[]): Promise<ProductMember[]> {
  if (!productIds.length) return [];
  return ctx.db
    .select()
    .from(productMembers)
    .where(and(eq(productMembers.tenantId, ctx.tenantId), sql`${productMembers.productId} IN (SELECT value FROM json_each(${JSON.stringify(productIds)}))`))
    .orderBy(asc(productMembers.kind), asc(productMembers.ref));
}

/** Product ids by name, for the names given (unknown names are absent from the map). */
export async function productIdsByName(ctx: TenantCtx, names: string[]): Promise<Map<string, string>> {
  if (!names.length) return new Map();
  const rows = await rawRows(
    ctx,
    sql`SELECT name, id FROM products WHERE tenant_id = ${ctx.tenantId} AND name IN (SELECT value FROM json_each(${JSON.stringify([...new Set(names)])}))`,
  );
  return new Map(rows.map((r) => [r[0] as string, r[1] as string]));
}

export interface ProductOwner {
  productId: string;
  productName: string;
  productTitle: string;
  ownerTeamId: string;
  ownerTeamName: string | null;
}

/** Owner teams of products (ids or names), for alert routing. Unknown ids are left out. */
export async function ownersOfProducts(ctx: TenantCtx, productIds: string[]): Promise<ProductOwner[]> {
  if (!productIds.length) return [];
  const rows = await rawRows(
    ctx,
    sql`SELECT p.id, p.name, p.title, p.owner_team_id, t.name FROM products p
     LEFT JOIN teams t ON t.tenant_id = ${ctx.tenantId} AND t.id = p.owner_team_id
     WHERE p.tenant_id = ${ctx.tenantId} AND (p.id IN (SELECT value FROM json_each(${JSON.stringify([...new Set(productIds)])})) OR p.name IN (SELECT value FROM json_each(${JSON.stringify([...new Set(productIds)])})))
     ORDER BY p.name`,
  );
  return rows.map((r) => ({
    productId: r[0] as string,
    productName: r[1] as string,
    productTitle: r[2] as string,
    ownerTeamId: r[3] as string,
    ownerTeamName: (r[4] as string | null) ?? null,
  }));
}

export interface CatalogProduct {
  id: string;
  name: string;
  ownerTeamId: string | null;
  /** The freshness SLA as people say it ("0 8 * * 1-5 Europe/London"), if the product has one. */
  sla: string | null;
}

const slaText = (cron: unknown, tz: unknown) => (typeof cron === "string" && cron ? `${cron} ${typeof tz === "string" ? tz : "UTC"}` : null);

/** Products by id or name, in the shape alerting routes with. */
export async function catalogProducts(ctx: TenantCtx, idsOrNames: string[]): Promise<CatalogProduct[]> {
  if (!idsOrNames.length) return [];
  const rows = await rawRows(
    ctx,
    sql`SELECT id, name, owner_team_id, sla_cron, sla_timezone FROM products
     WHERE tenant_id = ${ctx.tenantId} AND (id IN (SELECT value FROM json_each(${JSON.stringify([...new Set(idsOrNames)])})) OR name IN (SELECT value FROM json_each(${JSON.stringify([...new Set(idsOrNames)])}))) ORDER BY name`,
  );
  return rows.map((r) => ({ id: r[0] as string, name: r[1] as string, ownerTeamId: (r[2] as string | null) ?? null, sla: slaText(r[3], r[4]) }));
}
