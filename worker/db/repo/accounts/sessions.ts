import { and, desc, eq, not, sql } from "drizzle-orm";
import { batchSides, type TenantCtx } from "../../client";
import { sessions, tenantMembers, users } from "../../schema";
import { auditInsert, type AuditSource } from "../platform/audit";
import { sessionEnded, sessionLastSeen } from "./session-lifetime";

/**
 * A session's id as people see it: `ses_` and the first 32 hex digits (128 bits) of the stored hash of its cookie.
 * It names the session without being a credential — the cookie cannot be derived from it — and needs no column of
 * its own, so sessions that existed before it have one too.
 */
export const sessionPublicId = (idHash: string) => `ses_${idHash.slice(0, 32)}`;

const PUBLIC_ID = /^ses_[0-9a-f]{32}$/;
const matchesPublicId = (publicId: string) => sql`substr(${sessions.idHash}, 1, 32) = ${publicId.slice(4)}`;

export interface TenantSession {
  idHash: string;
  userId: string;
  email: string;
  name: string;
  role: (typeof tenantMembers.$inferSelect)["role"];
  ip: string | null;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
}

const columns = {
  idHash: sessions.idHash,
  userId: sessions.userId,
  email: users.email,
  name: users.name,
  role: tenantMembers.role,
  ip: sessions.ip,
  createdAt: sessions.createdAt,
  lastSeenAt: sessionLastSeen,
  expiresAt: sessions.expiresAt,
};

/** Sessions, people and memberships are all on the control database. */
const inTenant = (ctx: TenantCtx) =>
  ctx.control
    .select(columns)
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .innerJoin(tenantMembers, and(eq(tenantMembers.tenantId, sessions.tenantId), eq(tenantMembers.userId, sessions.userId)));

/** The tenant's live sessions (of one person when `userId` is given), most recently used first. */
export async function listTenantSessions(ctx: TenantCtx, f: { userId?: string; now: number }): Promise<TenantSession[]> {
  return inTenant(ctx)
    .where(and(eq(sessions.tenantId, ctx.tenantId), f.userId ? eq(sessions.userId, f.userId) : undefined, not(sessionEnded(f.now)!)))
    .orderBy(desc(sessionLastSeen), desc(sessions.createdAt));
}

/** One live session of the tenant by its public id; null for unknown ids, ended sessions and other tenants' sessions. */
export async function getTenantSession(ctx: TenantCtx, publicId: string, now: number): Promise<TenantSession | null> {
  if (!PUBLIC_ID.test(publicId)) return null;
  const [row] = await inTenant(ctx)
    .where(and(eq(sessions.tenantId, ctx.tenantId), matchesPublicId(publicId), not(sessionEnded(now)!)))
    .limit(1);
  return row ?? null;
}

/** Ends one session (control database), then records who ended it (the tenant's shard): batchSides. */
export async function endTenantSession(ctx: TenantCtx, source: AuditSource, session: TenantSession) {
  await batchSides(
    ctx,
    [ctx.control.delete(sessions).where(and(eq(sessions.tenantId, ctx.tenantId), eq(sessions.idHash, session.idHash)))],
    [
      auditInsert(ctx, source, {
        action: "session.ended",
        targetType: "user",
        targetId: session.userId,
        details: { session_id: sessionPublicId(session.idHash) },
      }),
    ],
  );
}
