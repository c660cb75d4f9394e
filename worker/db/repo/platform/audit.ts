import { and, desc, eq, gte, lt, lte, or, sql, type SQL } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { auditLog } from "../../schema";
import { newId } from "../../../lib/ids";
import type { Principal } from "../../../lib/principal";

export interface AuditEntry {
  action: string;
  targetType: string;
  targetId: string;
  teamId?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditSource {
  principal: Pick<Principal, "actor"> | { actor: { type: "system"; id: string; label: string } };
  ip: string | null;
  requestId: string | null;
  now: number;
}

/** Returns the insert so callers can put it in the same `db.batch` as the write it records. */
export function auditInsert(ctx: TenantCtx, source: AuditSource, entry: AuditEntry, id = newId("audit")) {
  return ctx.db.insert(auditLog).values({
    tenantId: ctx.tenantId,
    id,
    at: source.now,
    actorType: source.principal.actor.type,
    actorId: source.principal.actor.id,
    actorLabel: source.principal.actor.label,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    teamId: entry.teamId ?? null,
    ip: source.ip,
    requestId: source.requestId,
    details: entry.details ?? {},
  });
}

/**
 * An audit entry for a write whose extent is known only inside its D1 batch, because copies of the same write may
 * be racing: `counted` is a SELECT of one row `(n, target_id, details)` evaluated where the statement sits in the
 * batch. Nothing is recorded when n is 0; `details` (JSON text) is merged over `entry.details`.
 */
export function auditCountedInsert(ctx: TenantCtx, source: AuditSource, entry: Omit<AuditEntry, "targetId">, counted: SQL): SQL {
  const { actor } = source.principal;
  return sql`
    INSERT INTO audit_log (tenant_id, id, at, actor_type, actor_id, actor_label, action, target_type, target_id, team_id, ip, request_id, details)
    SELECT ${ctx.tenantId}, ${newId("audit")}, ${source.now}, ${actor.type}, ${actor.id}, ${actor.label}, ${entry.action}, ${entry.targetType}, c.target_id,
      ${entry.teamId ?? null}, ${source.ip}, ${source.requestId}, json_patch(${JSON.stringify(entry.details ?? {})}, c.details)
    FROM (${counted}) c WHERE c.n > 0`;
}

/** An audit entry written only when `condition` holds where the statement sits in its batch (a write that may not apply). */
export function auditInsertIf(ctx: TenantCtx, source: AuditSource, entry: AuditEntry, condition: SQL): SQL {
  const { targetId, ...rest } = entry;
  return auditCountedInsert(ctx, source, rest, sql`SELECT CASE WHEN ${condition} THEN 1 ELSE 0 END AS n, ${targetId} AS target_id, '{}' AS details`);
}

export interface AuditFilter {
  action?: string;
  actorId?: string;
  targetId?: string;
  teamId?: string;
  from?: number;
  to?: number;
  /** Exclusive upper bound on `at` + id for cursor pagination. */
  before?: { at: number; id: string };
  limit: number;
}

export async function listAudit(ctx: TenantCtx, f: AuditFilter) {
  const conds: SQL[] = [eq(auditLog.tenantId, ctx.tenantId)];
  if (f.action) conds.push(eq(auditLog.action, f.action));
  if (f.actorId) conds.push(eq(auditLog.actorId, f.actorId));
  if (f.targetId) conds.push(eq(auditLog.targetId, f.targetId));
  if (f.teamId) conds.push(eq(auditLog.teamId, f.teamId));
  if (f.from !== undefined) conds.push(gte(auditLog.at, f.from));
  if (f.to !== undefined) conds.push(lte(auditLog.at, f.to));
  if (f.before) {
    conds.push(or(lt(auditLog.at, f.before.at), and(eq(auditLog.at, f.before.at), lt(auditLog.id, f.before.id)))!);
  }
  return ctx.db
    .select()
    .from(auditLog)
    .where(and(...conds))
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(f.limit + 1);
}
