import { and, desc, eq, isNull, lt, or, type SQL } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { deadLetters } from "../../schema";
import { auditInsert, type AuditSource } from "./audit";

export type DeadLetter = typeof deadLetters.$inferSelect;

export async function getDeadLetter(ctx: TenantCtx, id: string): Promise<DeadLetter | null> {
  const [row] = await ctx.db
    .select()
    .from(deadLetters)
    .where(and(eq(deadLetters.tenantId, ctx.tenantId), eq(deadLetters.id, id)))
    .limit(1);
  return row ?? null;
}

/** Newest first; `pendingOnly` hides redelivered ones. Returns `limit + 1` rows for cursor paging. */
export async function pageDeadLetters(
  ctx: TenantCtx,
  f: { queue?: string; pendingOnly?: boolean; before?: { at: number; id: string }; limit: number },
): Promise<DeadLetter[]> {
  const conds: SQL[] = [eq(deadLetters.tenantId, ctx.tenantId)];
  if (f.queue) conds.push(eq(deadLetters.queue, f.queue));
  if (f.pendingOnly) conds.push(isNull(deadLetters.redeliveredAt));
  if (f.before) conds.push(or(lt(deadLetters.at, f.before.at), and(eq(deadLetters.at, f.before.at), lt(deadLetters.id, f.before.id)))!);
  return ctx.db
    .select()
    .from(deadLetters)
    .where(and(...conds))
    .orderBy(desc(deadLetters.at), desc(deadLetters.id))
    .limit(f.limit + 1);
}

/** A notify message (not a delivery) sent to the queue again by hand: marked redelivered with an audit entry. */
export async function markRedelivered(ctx: TenantCtx, source: AuditSource, entry: DeadLetter, teamId: string | null) {
  await ctx.db.batch([
    ctx.db
      .update(deadLetters)
      .set({ redeliveredAt: source.now })
      .where(and(eq(deadLetters.tenantId, ctx.tenantId), eq(deadLetters.id, entry.id), isNull(deadLetters.redeliveredAt))),
    auditInsert(ctx, source, {
      action: "dead_letter.redelivered",
      targetType: "dead_letter",
      targetId: entry.id,
      teamId,
      details: { queue: entry.queue, type: entry.body.type ?? null },
    }),
  ]);
}
