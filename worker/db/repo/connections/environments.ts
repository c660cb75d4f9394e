import { and, asc, eq } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { environments } from "../../schema";
import { auditInsert, type AuditSource } from "../platform/audit";
import { boundName, PROD } from "../../../environments/names";

export type Environment = typeof environments.$inferSelect;

const key = (ctx: TenantCtx, teamId: string, name: string) =>
  and(eq(environments.tenantId, ctx.tenantId), eq(environments.teamId, teamId), eq(environments.name, name));

export async function getEnvironment(ctx: TenantCtx, teamId: string, name: string): Promise<Environment | null> {
  const [row] = await ctx.db
    .select()
    .from(environments)
    .where(key(ctx, teamId, name))
    .limit(1);
  return row ?? null;
}

export async function listEnvironments(ctx: TenantCtx, teamId: string): Promise<Environment[]> {
  return ctx.db
    .select()
    .from(environments)
    .where(and(eq(environments.tenantId, ctx.tenantId), eq(environments.teamId, teamId)))
    .orderBy(asc(environments.name));
}

/**
 * The bindings an environment applies, or null when the environment does not exist for the team.
 * `prod` always exists: without a row it binds every name to itself.
 */
export async function environmentBindings(ctx: TenantCtx, teamId: string, name: string): Promise<Record<string, string> | null> {
  const row = await getEnvironment(ctx, teamId, name);
  if (row) return row.bindings;
  return name === PROD ? {} : null;
}

/** The connection name a task's `connection:` resolves to in `environment` (null: the environment is not declared). */
export async function resolveBoundConnection(ctx: TenantCtx, teamId: string, environment: string, specName: string): Promise<string | null> {
  const bindings = await environmentBindings(ctx, teamId, environment);
  return bindings === null ? null : boundName(bindings, specName);
}

/** Creates or replaces the environment (bindings are replaced as a whole, so the request is the full truth). */
export async function putEnvironment(
  ctx: TenantCtx,
  source: AuditSource,
  input: { teamId: string; name: string; description: string; bindings: Record<string, string> },
): Promise<{ environment: Environment; created: boolean }> {
  const existing = await getEnvironment(ctx, input.teamId, input.name);
  const now = source.now;
  const environment: Environment = {
    tenantId: ctx.tenantId,
    teamId: input.teamId,
    name: input.name,
    description: input.description,
    bindings: input.bindings,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  const audit = auditInsert(ctx, source, {
    action: existing ? "environment.updated" : "environment.created",
    targetType: "environment",
    targetId: `${input.teamId}/${input.name}`,
    teamId: input.teamId,
    details: { name: input.name, bindings: input.bindings },
  });
  await ctx.db.batch([
    ctx.db
      .insert(environments)
      .values(environment)
      .onConflictDoUpdate({
        target: [environments.tenantId, environments.teamId, environments.name],
        set: { description: environment.description, bindings: environment.bindings, updatedAt: now },
      }),
    audit,
  ]);
  return { environment, created: !existing };
}

export async function deleteEnvironment(ctx: TenantCtx, source: AuditSource, env: Environment): Promise<void> {
  await ctx.db.batch([
    ctx.db.delete(environments).where(key(ctx, env.teamId, env.name)),
    auditInsert(ctx, source, {
      action: "environment.deleted",
      targetType: "environment",
      targetId: `${env.teamId}/${env.name}`,
      teamId: env.teamId,
      details: { name: env.name },
    }),
  ]);
}
