import { and, desc, eq, inArray, isNull, lt, or, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { batchSides, type TenantCtx } from "../../client";
import { apiTokens } from "../../schema";
import type { TokenScope } from "../../schema/enums";
import { newId } from "../../../lib/ids";
import { auditInsert, type AuditSource } from "../platform/audit";

type ApiTokenRow = typeof apiTokens.$inferSelect;
/** A token as the API shows it: everything but the hash. */
export type ApiToken = Omit<ApiTokenRow, "tokenHash">;

function withoutHash(row: ApiTokenRow): ApiToken {
  const { tokenHash: _hash, ...rest } = row;
  return rest;
}

export interface NewApiToken {
  teamId: string;
  name: string;
  prefix: string;
  tokenHash: string;
  scopes: TokenScope[];
  expiresAt: number | null;
  createdBy: string;
}

export async function createApiToken(ctx: TenantCtx, source: AuditSource, input: NewApiToken): Promise<ApiToken> {
  const row: ApiTokenRow = { tenantId: ctx.tenantId, id: newId("token"), ...input, lastUsedAt: null, revokedAt: null, createdAt: source.now };
  await batchSides(
    ctx,
    [ctx.control.insert(apiTokens).values(row)],
    [
      auditInsert(ctx, source, {
        action: "token.created",
        targetType: "token",
        targetId: row.id,
        teamId: row.teamId,
        details: { name: row.name, prefix: row.prefix, scopes: row.scopes, expires_at: row.expiresAt == null ? null : new Date(row.expiresAt).toISOString() },
      }),
    ],
  );
  return withoutHash(row);
}

/** Newest first, revoked ones included; returns `limit + 1` rows for cursor paging. */
export async function listApiTokens(ctx: TenantCtx, f: { teamIds: string[] | null; before?: { at: number; id: string }; limit: number }): Promise<ApiToken[]> {
  if (f.teamIds && f.teamIds.length === 0) return [];
  const conds: SQL[] = [eq(apiTokens.tenantId, ctx.tenantId)];
  if (f.teamIds) conds.push(inArray(apiTokens.teamId, f.teamIds));
  if (f.before) {
    conds.push(or(lt(apiTokens.createdAt, f.before.at), and(eq(apiTokens.createdAt, f.before.at), lt(apiTokens.id, f.before.id)))!);
  }
  const rows = await ctx.control
    .select()
    .from(apiTokens)
    .where(and(...conds))
    .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id))
    .limit(f.limit + 1);
  return rows.map(withoutHash);
}

export async function getApiToken(ctx: TenantCtx, id: string): Promise<ApiToken | null> {
  const [row] = await ctx.control
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.tenantId, ctx.tenantId), eq(apiTokens.id, id)))
    .limit(1);
  return row ? withoutHash(row) : null;
}

/** Revokes once; revoking a revoked token changes nothing and writes no audit entry. */
export async function revokeApiToken(ctx: TenantCtx, source: AuditSource, token: ApiToken): Promise<ApiToken> {
  if (token.revokedAt != null) return token;
  const revoke = ctx.control
    .update(apiTokens)
    .set({ revokedAt: source.now })
    .where(and(eq(apiTokens.tenantId, ctx.tenantId), eq(apiTokens.id, token.id), isNull(apiTokens.revokedAt)));
  await batchSides(
    ctx,
    [revoke],
    [
      auditInsert(ctx, source, {
        action: "token.revoked",
        targetType: "token",
        targetId: token.id,
        teamId: token.teamId,
        details: { name: token.name, prefix: token.prefix },
      }),
    ],
  );
  return { ...token, revokedAt: source.now };
}

/** Why tokens were revoked without anyone revoking them one by one; recorded in each `token.revoked` entry. */
/** `deprovisioned`: the tenant's identity provider deactivated or deleted the creator over SCIM. */
export type BulkRevokeReason = "creator_removed_from_tenant" | "creator_removed_from_team" | "sign_out_everywhere" | "deprovisioned";

const activeOf = (ctx: TenantCtx, creatorId: string, teamId?: string) =>
  and(eq(apiTokens.tenantId, ctx.tenantId), eq(apiTokens.createdBy, creatorId), isNull(apiTokens.revokedAt), ...(teamId ? [eq(apiTokens.teamId, teamId)] : []));

/**
 * Statements that revoke every active token `creatorId` created (in one team, or all teams), with one audit entry
 * per token, to put in the same batch as the change that takes the creator's rights away. The update matches by
 * creator, not by the ids read beforehand, so a token created a moment earlier is revoked too.
 */
export async function revokeTokensOfCreator(
  ctx: TenantCtx,
  source: AuditSource,
  creatorId: string,
  reason: BulkRevokeReason,
  teamId?: string,
): Promise<{ control: BatchItem<"sqlite">[]; shard: BatchItem<"sqlite">[]; revoked: number }> {
  const active = await ctx.control
    .select({ id: apiTokens.id, teamId: apiTokens.teamId, name: apiTokens.name, prefix: apiTokens.prefix })
    .from(apiTokens)
    .where(activeOf(ctx, creatorId, teamId));
  const control: BatchItem<"sqlite">[] = [
    ctx.control
      .update(apiTokens)
      .set({ revokedAt: source.now })
      .where(activeOf(ctx, creatorId, teamId)),
  ];
  const shard: BatchItem<"sqlite">[] = [
    ...active.map((t) =>
      auditInsert(ctx, source, {
        action: "token.revoked",
        targetType: "token",
        targetId: t.id,
        teamId: t.teamId,
        details: { name: t.name, prefix: t.prefix, reason },
      }),
    ),
  ];
  return { control, shard, revoked: active.length };
}
