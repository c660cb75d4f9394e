import { and, asc, eq, gt, inArray, sql, type SQL } from "drizzle-orm";
import type { WeightedProduct } from "../../../costs/attribution";
import { newId } from "../../../lib/ids";
import { claimsOfDatasetsSql, datasetsOfProductsSql, pipelinesOfProductsSql } from "./membership-sql";
import type { TenantCtx } from "../../client";
import { budgetCrossings, budgets, productMembers, products, teams, type ProductConsumer } from "../../schema";
import type { ProductMemberKind, ProductTier } from "../../schema/enums";
import { auditInsert, type AuditSource } from "../platform/audit";
import { rawRows } from "../../statements";

/**
 * Data products and their members. Membership is resolved by SQL (./membership-sql.ts) each time
 * it is read, so a dataset tagged or pushed after the product was defined belongs to it at once.
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

export interface MemberInput {
  kind: ProductMemberKind;
  ref: string;
  weight: number;
}

export interface ProductFields {
  name: string;
  title: string;
  description: string;
  ownerTeamId: string;
  tier: ProductTier;
  valueMicros: number | null;
  valueRationale: string;
  sla: { cron: string; timezone: string; maxAgeMs: number } | null;
  slaSuccessTarget: number | null;
  consumers: ProductConsumer[];
}

function columnsOf(f: Partial<ProductFields>) {
  const set: Partial<typeof products.$inferInsert> = {};
  if (f.name !== undefined) set.name = f.name;
  if (f.title !== undefined) set.title = f.title;
  if (f.description !== undefined) set.description = f.description;
  if (f.ownerTeamId !== undefined) set.ownerTeamId = f.ownerTeamId;
  if (f.tier !== undefined) set.tier = f.tier;
  if (f.valueMicros !== undefined) set.valueMicros = f.valueMicros;
  if (f.valueRationale !== undefined) set.valueRationale = f.valueRationale;
  if (f.sla !== undefined) {
    set.slaCron = f.sla?.cron ?? null;
    set.slaTimezone = f.sla?.timezone ?? null;
    set.slaMaxAgeMs = f.sla?.maxAgeMs ?? null;
  }
  if (f.slaSuccessTarget !== undefined) set.slaSuccessTarget = f.slaSuccessTarget;
  if (f.consumers !== undefined) set.consumers = f.consumers;
  return set;
}

function memberInserts(ctx: TenantCtx, productId: string, members: MemberInput[], now: number) {
  return members.map((m) =>
    ctx.db.insert(productMembers).values({ tenantId: ctx.tenantId, productId, kind: m.kind, ref: m.ref, weight: m.weight, createdAt: now }),
  );
}

/** Creates a product with its members; the unique name index turns a racing create into a conflict for the caller. */
export async function createProduct(ctx: TenantCtx, audit: AuditSource, fields: ProductFields, members: MemberInput[]): Promise<Product> {
  const id = newId("product");
  const row = { tenantId: ctx.tenantId, id, ...columnsOf(fields), createdAt: audit.now, updatedAt: audit.now } as typeof products.$inferInsert;
  await ctx.db.batch([
    ctx.db.insert(products).values(row),
    ...memberInserts(ctx, id, members, audit.now),
    auditInsert(ctx, audit, {
      action: "product.create",
      targetType: "product",
      targetId: id,
      teamId: fields.ownerTeamId,
      details: { name: fields.name, members: members.length },
    }),
  ]);
  return (await getProduct(ctx, id))!.p;
}

/** Changes fields; `members`, when given, replaces the whole member list. */
export async function updateProduct(
  ctx: TenantCtx,
  audit: AuditSource,
  product: Product,
  fields: Partial<ProductFields>,
  members: MemberInput[] | undefined,
): Promise<Product> {
  const key = and(eq(products.tenantId, ctx.tenantId), eq(products.id, product.id));
  await ctx.db.batch([
    ctx.db
      .update(products)
      .set({ ...columnsOf(fields), updatedAt: audit.now })
      .where(key),
    ...(members
      ? [
          ctx.db.delete(productMembers).where(and(eq(productMembers.tenantId, ctx.tenantId), eq(productMembers.productId, product.id))),
          ...memberInserts(ctx, product.id, members, audit.now),
        ]
      : []),
    auditInsert(ctx, audit, {
      action: "product.update",
      targetType: "product",
      targetId: product.id,
      teamId: fields.ownerTeamId ?? product.ownerTeamId,
      details: {
        fields: Object.keys(fields),
        ...(members ? { members: members.length } : {}),
        ...(fields.ownerTeamId && fields.ownerTeamId !== product.ownerTeamId ? { owner_team_id: { from: product.ownerTeamId, to: fields.ownerTeamId } } : {}),
      },
    }),
  ]);
  return (await getProduct(ctx, product.id))!.p;
}

/** Deletes a product, its members and its budget; cost already allocated to it is re-attributed by the caller. */
export async function deleteProduct(ctx: TenantCtx, audit: AuditSource, product: Product): Promise<void> {
  const budgetIds = ctx.db
    .select({ id: budgets.id })
    .from(budgets)
    .where(and(eq(budgets.tenantId, ctx.tenantId), eq(budgets.scope, "product"), eq(budgets.scopeId, product.id)));
  await ctx.db.batch([
    ctx.db.delete(budgetCrossings).where(and(eq(budgetCrossings.tenantId, ctx.tenantId), inArray(budgetCrossings.budgetId, budgetIds))),
    ctx.db.delete(budgets).where(and(eq(budgets.tenantId, ctx.tenantId), eq(budgets.scope, "product"), eq(budgets.scopeId, product.id))),
    ctx.db.delete(productMembers).where(and(eq(productMembers.tenantId, ctx.tenantId), eq(productMembers.productId, product.id))),
    ctx.db.delete(products).where(and(eq(products.tenantId, ctx.tenantId), eq(products.id, product.id))),
    auditInsert(ctx, audit, {
      action: "product.delete",
      targetType: "product",
      targetId: product.id,
      teamId: product.ownerTeamId,
      details: { name: product.name },
    }),
  ]);
}

/** Products claiming each dataset, with membership weights (several rules for one product add up). */
export async function claimsOfDatasets(ctx: TenantCtx, datasetIds: string[]): Promise<Map<string, WeightedProduct[]>> {
  const out = new Map<string, WeightedProduct[]>();
  if (!datasetIds.length) return out;
  const best = new Map<string, Map<string, number>>();
  for (const [productId, datasetId, weight] of await rawRows(ctx, claimsOfDatasetsSql(ctx.tenantId, JSON.stringify([...new Set(datasetIds)])))) {
    const byProduct = best.get(datasetId as string) ?? new Map<string, number>();
    // A dataset matched by two rules of one product (picked and tagged) counts once, at the larger weight.
    byProduct.set(productId as string, Math.max(byProduct.get(productId as string) ?? 0, weight as number));
    best.set(datasetId as string, byProduct);
  }
  for (const [datasetId, byProduct] of best)
    out.set(
      datasetId,
      [...byProduct].map(([productId, weight]) => ({ productId, weight })),
    );
  return out;
}

export interface ProductPipeline {
  productId: string;
  pipelineId: string;
  pipelineName: string;
  weight: number;
}

export async function pipelinesOfProducts(ctx: TenantCtx, productIds: string[]): Promise<ProductPipeline[]> {
  if (!productIds.length) return [];
  const rows = await rawRows(ctx, pipelinesOfProductsSql(ctx.tenantId, JSON.stringify(productIds)));
  return rows.map((r) => ({ productId: r[0] as string, pipelineId: r[1] as string, pipelineName: r[2] as string, weight: r[3] as number }));
}

export interface ProductDataset {
  productId: string;
  datasetId: string;
  via: "dataset" | "tag" | "pattern" | "pipeline";
}

/** Member datasets of products (each pair once, by the first rule that matched). */
export async function datasetsOfProducts(ctx: TenantCtx, productIds: string[]): Promise<ProductDataset[]> {
  if (!productIds.length) return [];
  const rows = await rawRows(ctx, datasetsOfProductsSql(ctx.tenantId, JSON.stringify(productIds)));
  const seen = new Set<string>();
  const out: ProductDataset[] = [];
  for (const [productId, datasetId, via] of rows) {
    const key = `${productId}\u0000${datasetId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ productId: productId as string, datasetId: datasetId as string, via: via as ProductDataset["via"] });
  }
  return out;
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

export interface PipelineProduct {
  id: string;
  name: string;
  title: string;
  ownerTeamId: string;
  /** declared: the pipeline's spec or a pipeline member; output: the product claims a dataset the pipeline writes; downstream: further down the lineage. */
  relation: "declared" | "output" | "downstream";
}

/**
 * The data products a pipeline feeds: those it declares (spec `products:` or a pipeline member), those claiming a
 * dataset it writes, and those claiming anything downstream of its tasks in the lineage graph. For alert routing:
 * a failure notifies the owners of every product here.
 */
export async function productsForPipeline(ctx: TenantCtx, pipelineId: string): Promise<PipelineProduct[]> {
  const [pl] = await rawRows(ctx, sql`SELECT name FROM pipelines WHERE tenant_id = ${ctx.tenantId} AND id = ${pipelineId}`);
  if (!pl) return [];
  const name = pl[0] as string;
  const declared = await rawRows(
    ctx,
    sql`SELECT p.id FROM pipelines pl
       JOIN pipeline_versions v ON v.tenant_id = pl.tenant_id AND v.id = pl.current_version_id, json_each(v.spec, '$.products') jp
       JOIN products p ON p.tenant_id = ${ctx.tenantId} AND p.name = jp.value
     WHERE pl.tenant_id = ${ctx.tenantId} AND pl.id = ${pipelineId}
     UNION
     SELECT m.product_id FROM product_members m WHERE m.tenant_id = ${ctx.tenantId} AND m.kind = 'pipeline' AND m.ref = ${name}`,
  );
  // Everything downstream of the pipeline's task jobs; depth 1 from a job is what it wrote.
  const walked = await rawRows(
    ctx,
    sql`WITH RECURSIVE walk(node, depth) AS (
       SELECT j.id, 0 FROM jobs j WHERE j.tenant_id = ${ctx.tenantId} AND j.namespace = 'tutti' AND j.name >= ${name} || '.' AND j.name < ${name} || '/'
       UNION
       SELECT e.to_node, min(w.depth + 1, 2) FROM walk w JOIN lineage_edges e ON e.tenant_id = ${ctx.tenantId} AND e.from_node = w.node
     )
     SELECT node, min(depth) FROM walk WHERE depth > 0 GROUP BY node`,
  );
  const relation = new Map<string, PipelineProduct["relation"]>();
  for (const [id] of declared) relation.set(id as string, "declared");
  const depthOf = new Map(walked.map((r) => [r[0] as string, r[1] as number]));
  const claims = await claimsOfDatasets(
    ctx,
    [...depthOf.keys()].filter((n) => !n.startsWith("job_")),
  );
  for (const [datasetId, list] of claims) {
    for (const c of list) {
      const rel = depthOf.get(datasetId) === 1 ? "output" : "downstream";
      const had = relation.get(c.productId);
      if (!had || (had === "downstream" && rel === "output")) relation.set(c.productId, rel);
    }
  }
  if (!relation.size) return [];
  const rows = await rawRows(
    ctx,
    sql`SELECT id, name, title, owner_team_id FROM products WHERE tenant_id = ${ctx.tenantId} AND id IN (SELECT value FROM json_each(${JSON.stringify([...relation.keys()])})) ORDER BY name`,
  );
  return rows.map((r) => ({
    id: r[0] as string,
    name: r[1] as string,
    title: r[2] as string,
    ownerTeamId: r[3] as string,
    relation: relation.get(r[0] as string)!,
  }));
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

/** Products claiming any of the datasets, each with the datasets it claims (lineage impact → product owners). */
export async function productsContainingDatasets(ctx: TenantCtx, datasetIds: string[]): Promise<Array<CatalogProduct & { datasetIds: string[] }>> {
  const claims = await claimsOfDatasets(ctx, datasetIds);
  const byProduct = new Map<string, string[]>();
  for (const [datasetId, list] of claims) for (const c of list) byProduct.set(c.productId, [...(byProduct.get(c.productId) ?? []), datasetId]);
  const products = await catalogProducts(ctx, [...byProduct.keys()]);
  return products.map((p) => ({ ...p, datasetIds: byProduct.get(p.id)!.sort() }));
}
