import { and, asc, eq, sql } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { costFacts } from "../../schema";

export type CostFactRow = typeof costFacts.$inferSelect;
export type NewCostFact = Omit<CostFactRow, "tenantId">;

/**
 * Stores raw cost facts, one row per (source, external_ref). Collecting the same run again (a repeated
 * dispatch, a retry) replaces the facts with the newer reading instead of adding a second row.
 */
export async function upsertCostFacts(ctx: TenantCtx, rows: NewCostFact[]): Promise<void> {
  if (!rows.length) return;
  const statements = rows.map((row) =>
    ctx.db
      .insert(costFacts)
      .values({ tenantId: ctx.tenantId, ...row })
      .onConflictDoUpdate({
        target: [costFacts.tenantId, costFacts.source, costFacts.externalRef],
        set: {
          facts: sql`excluded.facts`,
          startedAt: sql`excluded.started_at`,
          endedAt: sql`excluded.ended_at`,
          collectedAt: sql`excluded.collected_at`,
          runId: sql`excluded.run_id`,
          taskKey: sql`excluded.task_key`,
          attempt: sql`excluded.attempt`,
        },
      }),
  );
  await ctx.db.batch(statements as [(typeof statements)[number], ...(typeof statements)[number][]]);
}

/** Facts collected for one Tutti run, oldest first. */
export async function costFactsOfRun(ctx: TenantCtx, runId: string): Promise<CostFactRow[]> {
  return ctx.db
    .select()
    .from(costFacts)
    .where(and(eq(costFacts.tenantId, ctx.tenantId), eq(costFacts.runId, runId)))
    .orderBy(asc(costFacts.startedAt), asc(costFacts.externalRef));
}
