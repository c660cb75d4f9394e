import { and, eq } from "drizzle-orm";
import type { Db } from "../client";
import { auditLog, sessions, teamMembers, teams, tenantMembers, tenants, users } from "../schema";
import { newId, randomString } from "../../lib/ids";
import type { PasswordHash } from "../../lib/password";
import { sha256Hex } from "../../lib/hash";
import { SESSION_TTL_MS } from "../../lib/session-cookie";

/** Account-level reads: a user and the tenants they belong to exist before any tenant context. */
export async function findUserByEmail(db: Db, email: string) {
  const [user] = await db.select().from(users).where(eq(users.email, email)).limit(1);
  return user ?? null;
}

export async function findTenantBySlug(db: Db, slug: string) {
  const [tenant] = await db.select().from(tenants).where(eq(tenants.slug, slug)).limit(1);
  return tenant ?? null;
}

export async function membershipsOf(db: Db, userId: string) {
  return db
    .select({ tenantId: tenants.id, slug: tenants.slug, name: tenants.name, role: tenantMembers.role })
    .from(tenantMembers)
    .innerJoin(tenants, eq(tenants.id, tenantMembers.tenantId))
    .where(eq(tenantMembers.userId, userId))
    .orderBy(tenantMembers.createdAt);
}

export interface SignupInput {
  email: string;
  /** A new account (name and password hash), or the existing account of this e-mail whose password was checked. */
  account: { userId: null; name: string; password: PasswordHash } | { userId: string };
  tenantName: string;
  tenantSlug: string;
  teamName: string;
  teamSlug: string;
  ip: string | null;
  requestId: string;
}

/** (User +) tenant + first team + owner membership + audit entry, all or nothing. */
export async function createSignup(db: Db, input: SignupInput, now: number) {
  const isNew = input.account.userId === null;
  const userId = input.account.userId ?? newId("user");
  const tenantId = newId("tenant");
  const teamId = newId("team");
  const newUser =
    input.account.userId === null
      ? [
          db.insert(users).values({
            id: userId,
            email: input.email,
            name: input.account.name,
            passwordHash: input.account.password.hash,
            passwordSalt: input.account.password.salt,
            passwordIterations: input.account.password.iterations,
            createdAt: now,
          }),
        ]
      : [];
  await db.batch([
    db.insert(tenants).values({ id: tenantId, slug: input.tenantSlug, name: input.tenantName, createdAt: now }),
    ...newUser,
    db.insert(tenantMembers).values({ tenantId, userId, role: "owner", createdAt: now }),
    db.insert(teams).values({ tenantId, id: teamId, slug: input.teamSlug, name: input.teamName, createdAt: now }),
    db.insert(teamMembers).values({ tenantId, teamId, userId, role: "maintainer", createdAt: now }),
    db.insert(auditLog).values({
      tenantId,
      id: newId("audit"),
      at: now,
      actorType: "user",
      actorId: userId,
      actorLabel: input.email,
      action: "tenant.created",
      targetType: "tenant",
      targetId: tenantId,
      teamId,
      ip: input.ip,
      requestId: input.requestId,
      details: { slug: input.tenantSlug, first_team: input.teamSlug, existing_account: !isNew },
    }),
  ]);
  return { userId, tenantId, teamId };
}

/** Creates a session and returns the raw id (for the cookie) and its CSRF token; only the hash is stored. */
export async function createSession(db: Db, tenantId: string, userId: string, ip: string | null, now: number) {
  const rawId = randomString(40);
  const csrfToken = randomString(32);
  await db.insert(sessions).values({
    idHash: await sha256Hex(rawId),
    tenantId,
    userId,
    csrfToken,
    expiresAt: now + SESSION_TTL_MS,
    ip,
    createdAt: now,
  });
  return { rawId, csrfToken, expiresAt: now + SESSION_TTL_MS };
}

export async function deleteSession(db: Db, rawId: string) {
  await db.delete(sessions).where(eq(sessions.idHash, await sha256Hex(rawId)));
}

export async function deleteSessionsOf(db: Db, tenantId: string, userId: string) {
  await db.delete(sessions).where(and(eq(sessions.tenantId, tenantId), eq(sessions.userId, userId)));
}
