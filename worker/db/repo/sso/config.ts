import { and, eq, inArray, ne } from "drizzle-orm";
import { batchSides, type Db, type TenantCtx } from "../../client";
import { sessions, ssoConfigs, ssoDomains, ssoGroupMappings, tenantMembers, tenants } from "../../schema";
import type { TeamRole, TenantRole } from "../../schema/enums";
import type { Envelope } from "../../../lib/envelope";
import { newId } from "../../../lib/ids";
import { auditInsert, type AuditSource } from "../platform/audit";

export type SsoConfig = typeof ssoConfigs.$inferSelect;
export type SsoGroupMapping = typeof ssoGroupMappings.$inferSelect;

/** The AAD binding a sealed client secret to its tenant, so envelopes cannot be moved between rows. */
export const clientSecretAad = (tenantId: string) => `sso/${tenantId}/client_secret`;

/**
 * SSO and SCIM settings, domains and group mappings are on the control database (db/sides.ts: read at sign-in and by
 * SCIM token before the tenant is known); their audit entries on the tenant's shard, written after them (batchSides).
 */
export async function getSsoConfig(ctx: TenantCtx): Promise<SsoConfig | null> {
  const [row] = await ctx.control.select().from(ssoConfigs).where(eq(ssoConfigs.tenantId, ctx.tenantId)).limit(1);
  return row ?? null;
}

export interface SsoSettings {
  issuer?: string | null;
  clientId?: string | null;
  clientSecret?: Envelope | null;
  defaultRole?: TenantRole;
  groupsClaim?: string;
  enforced?: boolean;
}

/**
 * Saves the provider settings (only the fields given) and records what changed — field names, never the secret.
 * Turning enforcement on ends, in the same batch, every password session of people who are not owners: from then
 * on they sign in only through the provider.
 */
export async function saveSsoSettings(ctx: TenantCtx, source: AuditSource, current: SsoConfig | null, patch: SsoSettings) {
  const changed = Object.keys(patch).filter((k) => patch[k as keyof SsoSettings] !== undefined);
  const values = { ...patch, updatedAt: source.now };
  const upsert = ctx.control
    .insert(ssoConfigs)
    .values({ tenantId: ctx.tenantId, ...values, createdAt: source.now })
    .onConflictDoUpdate({ target: ssoConfigs.tenantId, set: values });
  const enforcing = patch.enforced === true && !current?.enforced;
  const ended = enforcing
    ? await ctx.control
        .select({ id: sessions.idHash })
        .from(sessions)
        .innerJoin(tenantMembers, and(eq(tenantMembers.tenantId, sessions.tenantId), eq(tenantMembers.userId, sessions.userId)))
        .where(and(eq(sessions.tenantId, ctx.tenantId), eq(sessions.authMethod, "password"), ne(tenantMembers.role, "owner")))
    : [];
  const details: Record<string, unknown> = { fields: changed.map(snake) };
  if (patch.enforced !== undefined) details.enforced = patch.enforced;
  if (enforcing) details.password_sessions_ended = ended.length;
  await batchSides(
    ctx,
    [
      upsert,
      ...(enforcing
        ? [
            ctx.control.delete(sessions).where(
              and(
                eq(sessions.tenantId, ctx.tenantId),
                eq(sessions.authMethod, "password"),
                inArray(
                  sessions.userId,
                  ctx.control
                    .select({ userId: tenantMembers.userId })
                    .from(tenantMembers)
                    .where(and(eq(tenantMembers.tenantId, ctx.tenantId), ne(tenantMembers.role, "owner"))),
                ),
              ),
            ),
          ]
        : []),
    ],
    [auditInsert(ctx, source, { action: "sso.settings_changed", targetType: "tenant", targetId: ctx.tenantId, details })],
  );
}

const snake = (k: string) => k.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);

/** Whether password sign-in is off for the tenant's non-owners. */
export async function ssoEnforced(ctx: TenantCtx): Promise<boolean> {
  const [row] = await ctx.control.select({ enforced: ssoConfigs.enforced }).from(ssoConfigs).where(eq(ssoConfigs.tenantId, ctx.tenantId)).limit(1);
  return row?.enforced ?? false;
}

/** Stores a new SCIM token's hash (the old one stops working in the same write). */
export async function setScimToken(ctx: TenantCtx, source: AuditSource, token: { hash: string; prefix: string } | null) {
  const values = {
    scimTokenHash: token?.hash ?? null,
    scimTokenPrefix: token?.prefix ?? null,
    scimTokenCreatedAt: token ? source.now : null,
    updatedAt: source.now,
  };
  await batchSides(
    ctx,
    [
      ctx.control
        .insert(ssoConfigs)
        .values({ tenantId: ctx.tenantId, ...values, createdAt: source.now })
        .onConflictDoUpdate({ target: ssoConfigs.tenantId, set: values }),
    ],
    [
      auditInsert(ctx, source, {
        action: token ? "scim.token_rotated" : "scim.token_revoked",
        targetType: "tenant",
        targetId: ctx.tenantId,
        details: token ? { prefix: token.prefix } : {},
      }),
    ],
  );
}

/** The tenant a SCIM token belongs to: like any credential lookup, the one read across tenants. */
export async function tenantOfScimToken(db: Db, tokenHash: string): Promise<string | null> {
  const [row] = await db.select({ tenantId: ssoConfigs.tenantId }).from(ssoConfigs).where(eq(ssoConfigs.scimTokenHash, tokenHash)).limit(1);
  return row?.tenantId ?? null;
}

// Domains

export async function listSsoDomains(ctx: TenantCtx) {
  return ctx.control.select().from(ssoDomains).where(eq(ssoDomains.tenantId, ctx.tenantId)).orderBy(ssoDomains.domain);
}

/** Adds a domain; false when another tenant (or this one) already has it — one atomic insert decides. */
export async function addSsoDomain(ctx: TenantCtx, source: AuditSource, domain: string, verifiedBy: string): Promise<boolean> {
  const [inserted] = await ctx.control
    .insert(ssoDomains)
    .values({ tenantId: ctx.tenantId, domain, verifiedBy, createdAt: source.now })
    .onConflictDoNothing()
    .returning({ domain: ssoDomains.domain });
  if (!inserted) return false;
  await auditInsert(ctx, source, { action: "sso.domain_added", targetType: "domain", targetId: domain, details: { verified_by: verifiedBy } });
  return true;
}

export async function removeSsoDomain(ctx: TenantCtx, source: AuditSource, domain: string): Promise<boolean> {
  const [removed] = await ctx.control
    .delete(ssoDomains)
    .where(and(eq(ssoDomains.tenantId, ctx.tenantId), eq(ssoDomains.domain, domain)))
    .returning({ domain: ssoDomains.domain });
  if (!removed) return false;
  await auditInsert(ctx, source, { action: "sso.domain_removed", targetType: "domain", targetId: domain });
  return true;
}

/** Which tenant signs in people of an e-mail domain (a public fact: the sign-in page routes by it). */
export async function tenantOfDomain(db: Db, domain: string) {
  const [row] = await db
    .select({ tenantId: ssoDomains.tenantId, slug: tenants.slug })
    .from(ssoDomains)
    .innerJoin(tenants, eq(tenants.id, ssoDomains.tenantId))
    .where(eq(ssoDomains.domain, domain))
    .limit(1);
  return row ?? null;
}

export async function isSsoDomainOf(ctx: TenantCtx, domain: string): Promise<boolean> {
  const [row] = await ctx.control
    .select({ domain: ssoDomains.domain })
    .from(ssoDomains)
    .where(and(eq(ssoDomains.tenantId, ctx.tenantId), eq(ssoDomains.domain, domain)))
    .limit(1);
  return row != null;
}

// Group mappings

export async function listGroupMappings(ctx: TenantCtx): Promise<SsoGroupMapping[]> {
  return ctx.control
    .select()
    .from(ssoGroupMappings)
    .where(eq(ssoGroupMappings.tenantId, ctx.tenantId))
    .orderBy(ssoGroupMappings.groupName, ssoGroupMappings.id);
}

export interface NewGroupMapping {
  groupName: string;
  teamId: string | null;
  teamRole: TeamRole;
  tenantRole: TenantRole | null;
}

/** Replaces the whole list in one batch, audited with the new list. */
export async function replaceGroupMappings(ctx: TenantCtx, source: AuditSource, mappings: NewGroupMapping[]) {
  const rows = mappings.map((m) => ({ tenantId: ctx.tenantId, id: newId("ssoMapping"), ...m, createdAt: source.now }));
  await batchSides(
    ctx,
    [
      ctx.control.delete(ssoGroupMappings).where(eq(ssoGroupMappings.tenantId, ctx.tenantId)),
      ...(rows.length ? [ctx.control.insert(ssoGroupMappings).values(rows)] : []),
    ],
    [
      auditInsert(ctx, source, {
        action: "sso.group_mappings_changed",
        targetType: "tenant",
        targetId: ctx.tenantId,
        details: { mappings: mappings.map((m) => ({ group: m.groupName, team_id: m.teamId, team_role: m.teamRole, tenant_role: m.tenantRole })) },
      }),
    ],
  );
  return rows;
}
