import { and, eq, inArray, lte } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { batchSides, type Db, type TenantCtx } from "../../client";
import { scimUsers, ssoIdentities, ssoLogins, teamMembers, tenantMembers, users } from "../../schema";
import type { TeamRole, TenantRole } from "../../schema/enums";
import { NO_PASSWORD } from "../../../lib/password";
import { auditInsert, type AuditSource } from "../platform/audit";

export type PendingLogin = typeof ssoLogins.$inferSelect;

export async function insertPendingLogin(db: Db, row: PendingLogin) {
  await db.insert(ssoLogins).values(row);
}

/**
 * Takes a pending sign-in by the hash of its state: the row is deleted as it is read, so of two callbacks with the
 * same state at most one gets it. Null when unknown, used or expired.
 */
export async function claimPendingLogin(db: Db, stateHash: string, now: number): Promise<PendingLogin | null> {
  const [row] = await db.delete(ssoLogins).where(eq(ssoLogins.stateHash, stateHash)).returning();
  return row && row.expiresAt > now ? row : null;
}

export const deleteExpiredPendingLogins = (db: Db, now: number) =>
  db.delete(ssoLogins).where(lte(ssoLogins.expiresAt, now)).returning({ id: ssoLogins.stateHash });

/** The user an identity of the provider is linked to in this tenant. */
export async function linkedUser(ctx: TenantCtx, issuer: string, subject: string): Promise<string | null> {
  const [row] = await ctx.control
    .select({ userId: ssoIdentities.userId })
    .from(ssoIdentities)
    .where(and(eq(ssoIdentities.tenantId, ctx.tenantId), eq(ssoIdentities.issuer, issuer), eq(ssoIdentities.subject, subject)))
    .limit(1);
  return row?.userId ?? null;
}

/** What the tenant knows of a person: account, tenant role (null when not a member) and SCIM state (null when not provisioned). */
export async function personInTenant(ctx: TenantCtx, by: { userId: string } | { email: string }) {
  const [user] = await ctx.control
    .select({ id: users.id, email: users.email, name: users.name, role: tenantMembers.role, scimActive: scimUsers.active })
    .from(users)
    .leftJoin(tenantMembers, and(eq(tenantMembers.tenantId, ctx.tenantId), eq(tenantMembers.userId, users.id)))
    .leftJoin(scimUsers, and(eq(scimUsers.tenantId, ctx.tenantId), eq(scimUsers.userId, users.id)))
    .where("userId" in by ? eq(users.id, by.userId) : eq(users.email, by.email))
    .limit(1);
  return user ?? null;
}

/** The person's team memberships among `teamIds`. */
export async function teamRolesOf(ctx: TenantCtx, userId: string, teamIds: string[]) {
  if (!teamIds.length) return new Map<string, TeamRole>();
  const rows = await ctx.db
    .select({ teamId: teamMembers.teamId, role: teamMembers.role })
    .from(teamMembers)
    .where(and(eq(teamMembers.tenantId, ctx.tenantId), eq(teamMembers.userId, userId), inArray(teamMembers.teamId, teamIds)));
  return new Map(rows.map((r) => [r.teamId, r.role]));
}

export interface SsoSignInWrite {
  userId: string;
  email: string;
  /** A new account (no usable password: the person signs in through the provider, or sets one by a reset link). */
  newUser: { name: string } | null;
  /** Link the provider's identity to the user (first sign-in). */
  link: { issuer: string; subject: string } | null;
  /** The tenant role to hold after this sign-in; `joined` when the person was not a member before (JIT). */
  role: { to: TenantRole; from: TenantRole | null } | null;
  teams: { add: Array<{ teamId: string; role: TeamRole }>; update: Array<{ teamId: string; role: TeamRole }>; remove: string[] };
  issuer: string;
  subject: string;
  groups: string[];
}

/**
 * Everything one SSO sign-in changes: the account, membership and identity link on the control database, then team
 * memberships and the audit entry on the tenant's shard (batchSides). Should the shard's batch be lost, the next
 * sign-in finds the person a member and derives the team changes from the shard again; every team write is
 * idempotent (ON CONFLICT DO NOTHING, set-to-value updates, deletes).
 */
export async function applySsoSignIn(ctx: TenantCtx, source: AuditSource, w: SsoSignInWrite) {
  const { control, db, tenantId } = ctx;
  const people: BatchItem<"sqlite">[] = [];
  const statements: BatchItem<"sqlite">[] = [];
  if (w.newUser) {
    people.push(
      control.insert(users).values({
        id: w.userId,
        email: w.email,
        name: w.newUser.name,
        passwordHash: NO_PASSWORD.hash,
        passwordSalt: NO_PASSWORD.salt,
        passwordIterations: NO_PASSWORD.iterations,
        createdAt: source.now,
      }),
    );
  }
  if (w.role && w.role.from === null) people.push(control.insert(tenantMembers).values({ tenantId, userId: w.userId, role: w.role.to, createdAt: source.now }));
  else if (w.role && w.role.from !== w.role.to)
    people.push(
      control
        .update(tenantMembers)
        .set({ role: w.role.to })
        .where(and(eq(tenantMembers.tenantId, tenantId), eq(tenantMembers.userId, w.userId))),
    );
  if (w.link)
    people.push(
      control
        .insert(ssoIdentities)
        .values({ tenantId, issuer: w.link.issuer, subject: w.link.subject, userId: w.userId, createdAt: source.now })
        .onConflictDoNothing(),
    );
  people.push(
    control
      .update(ssoIdentities)
      .set({ lastSignInAt: source.now })
      .where(and(eq(ssoIdentities.tenantId, tenantId), eq(ssoIdentities.issuer, w.issuer), eq(ssoIdentities.subject, w.subject))),
  );
  for (const t of w.teams.add)
    statements.push(db.insert(teamMembers).values({ tenantId, teamId: t.teamId, userId: w.userId, role: t.role, createdAt: source.now }).onConflictDoNothing());
  for (const t of w.teams.update)
    statements.push(
      db
        .update(teamMembers)
        .set({ role: t.role })
        .where(and(eq(teamMembers.tenantId, tenantId), eq(teamMembers.teamId, t.teamId), eq(teamMembers.userId, w.userId))),
    );
  if (w.teams.remove.length)
    statements.push(
      db.delete(teamMembers).where(and(eq(teamMembers.tenantId, tenantId), eq(teamMembers.userId, w.userId), inArray(teamMembers.teamId, w.teams.remove))),
    );
  statements.push(
    auditInsert(ctx, source, {
      action: "sso.signed_in",
      targetType: "user",
      targetId: w.userId,
      details: {
        email: w.email,
        issuer: w.issuer,
        subject: w.subject,
        provisioned: w.role?.from === null,
        account_created: w.newUser != null,
        ...(w.role && w.role.from !== null && w.role.from !== w.role.to ? { role_changed: { from: w.role.from, to: w.role.to } } : {}),
        groups: w.groups,
        teams_added: w.teams.add.map((t) => t.teamId),
        teams_removed: w.teams.remove,
      },
    }),
  );
  await batchSides(ctx, people, statements);
}
