import { and, desc, eq } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { deadLetters } from "../../schema";
import { newId } from "../../../lib/ids";

export async function recordDeadLetter(
  ctx: TenantCtx,
  entry: { queue: string; messageId: string; body: Record<string, unknown>; attempts: number; at: number },
) {
  await ctx.db
    .insert(deadLetters)
    .values({ tenantId: ctx.tenantId, id: newId("delivery"), ...entry })
    .onConflictDoNothing();
}

export async function listDeadLetters(ctx: TenantCtx, queue: string | undefined, limit: number) {
  const cond = queue ? and(eq(deadLetters.tenantId, ctx.tenantId), eq(deadLetters.queue, queue)) : eq(deadLetters.tenantId, ctx.tenantId);
  return ctx.db.select().from(deadLetters).where(cond).orderBy(desc(deadLetters.at)).limit(limit);
}
