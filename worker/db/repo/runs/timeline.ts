import { and, desc, gte, isNull, lt, lte, or, sql } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { runs } from "../../schema";
import { type RunFilter, runConditions } from "./runs";

/** The window a timeline draws, and how far back before it runs are looked for (see worker/pipelines/timeline.ts). */
export interface TimelineRange {
  from: number;
  to: number;
  lookbackFrom: number;
}

/**
 * Runs that were queued or going at some point of [from, to], newest first, at most `limit` of them (`truncated` when
 * there were more). Two indexed reads: the `runs_queued` range [lookbackFrom, to] (runs that ended before `from` are
 * dropped there), and the runs still unfinished that were queued earlier, through the `runs_unfinished` partial index
 * (its condition is written out, not bound, so SQLite matches it).
 */
export async function runsInWindow(ctx: TenantCtx, f: Omit<RunFilter, "before" | "limit">, r: TimelineRange, limit: number) {
  const conds = runConditions(ctx, f);
  const [recent, older] = await ctx.db.batch([
    ctx.db
      .select()
      .from(runs)
      .where(and(...conds, gte(runs.queuedAt, r.lookbackFrom), lte(runs.queuedAt, r.to), or(isNull(runs.finishedAt), gte(runs.finishedAt, r.from))))
      .orderBy(desc(runs.queuedAt), desc(runs.id))
      .limit(limit + 1),
    ctx.db
      .select()
      .from(runs)
      .where(and(...conds, sql.raw("status IN ('queued', 'running')"), lt(runs.queuedAt, r.lookbackFrom)))
      .orderBy(desc(runs.queuedAt), desc(runs.id))
      .limit(limit + 1),
  ]);
  const all = [...recent, ...older];
  return { items: all.slice(0, limit), truncated: all.length > limit };
}
