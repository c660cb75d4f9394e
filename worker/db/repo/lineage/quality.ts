import { and, desc, eq, lt, or, type SQL } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { qualityResults } from "../../schema";

export type QualityResult = typeof qualityResults.$inferSelect;

/** Quality results of a dataset over time, newest first. */
export async function listQualityResults(ctx: TenantCtx, datasetId: string, opts: { before?: { at: number; id: string }; limit: number }) {
  const conds: SQL[] = [eq(qualityResults.tenantId, ctx.tenantId), eq(qualityResults.datasetId, datasetId)];
  if (opts.before)
    conds.push(or(lt(qualityResults.observedAt, opts.before.at), and(eq(qualityResults.observedAt, opts.before.at), lt(qualityResults.id, opts.before.id)))!);
  return ctx.db
    .select()
    .from(qualityResults)
    .where(and(...conds))
    .orderBy(desc(qualityResults.observedAt), desc(qualityResults.id))
    .limit(opts.limit + 1);
}
