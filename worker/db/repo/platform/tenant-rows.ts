import { inArray, sql } from "drizzle-orm";
import { ctxFor, type TenantCtx } from "../../client";
import { loginThrottle, mfaChallenges, userPasskeys, userRecoveryCodes, userTotp, users } from "../../schema";
import { queryAll } from "../../statements";
import type { TenantTable } from "../../tenant-tables";

/**
 * Whole-table access by tenant for export and deletion (worker/tenant-data/): every table with a `tenant_id`, read or
 * emptied a bounded page at a time. Table and column names come only from the schema registry (db/tenant-tables.ts),
 * never from input. Each table is read or written on its own side (db/sides.ts): the control database or the tenant's
 * shard; the tenant's shard is `ctx.db`, which a move or a deletion may point at another shard than the map names.
 */

const ident = (name: string) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a table or column name: ${name}`);
  return sql.raw(`"${name}"`);
};
const list = (names: string[]) => sql.join(names.map(ident), sql`, `);

/**
 * Up to `limit` of the tenant's rows of `table`, in primary-key order, after the key `after` (null: from the start).
 * Rows come back as D1 gives them (column name → value); BLOB columns as arrays of bytes.
 */
export function tenantRowsPage(ctx: TenantCtx, table: TenantTable, after: unknown[] | null, limit: number): Promise<Record<string, unknown>[]> {
  const keys = list(table.keyColumns);
  const from = after
    ? sql` AND (${keys}) > (${sql.join(
        after.map((v) => sql`${v}`),
        sql`, `,
      )})`
    : sql``;
  return queryAll(ctxFor(ctx, table.name), sql`SELECT * FROM ${ident(table.name)} WHERE tenant_id = ${ctx.tenantId}${from} ORDER BY ${keys} LIMIT ${limit}`);
}

/** Deletes up to `limit` of the tenant's rows of `table`; returns how many it deleted (fewer than `limit`: none left). */
export async function deleteTenantRows(ctx: TenantCtx, table: string, limit: number): Promise<number> {
  const t = ident(table);
  const result = await ctxFor(ctx, table).db.run(
    sql`DELETE FROM ${t} WHERE rowid IN (SELECT rowid FROM ${t} WHERE tenant_id = ${ctx.tenantId} LIMIT ${limit})`,
  );
  return result.meta.changes ?? 0;
}

/** How many rows of `table` still name the tenant. */
export async function countTenantRows(ctx: TenantCtx, table: string): Promise<number> {
  const [row] = await queryAll<{ n: number }>(ctxFor(ctx, table), sql`SELECT COUNT(*) AS n FROM ${ident(table)} WHERE tenant_id = ${ctx.tenantId}`);
  return row?.n ?? 0;
}

/** The tenant's own row, every column (an import writes it back as it was), or null once it is gone. */
export async function tenantRow(ctx: TenantCtx): Promise<Record<string, unknown> | null> {
  const [row] = await queryAll<Record<string, unknown>>(ctxFor(ctx, "tenants"), sql`SELECT * FROM tenants WHERE id = ${ctx.tenantId}`);
  return row ?? null;
}

/** Profiles (no password material) of the tenant's members, by user id after `after`. */
export function memberProfilesPage(ctx: TenantCtx, after: string | null, limit: number): Promise<Record<string, unknown>[]> {
  return queryAll(
    ctxFor(ctx, "tenant_members"),
    sql`SELECT u.id, u.email, u.name, u.created_at FROM tenant_members m JOIN users u ON u.id = m.user_id
        WHERE m.tenant_id = ${ctx.tenantId} AND u.id > ${after ?? ""} ORDER BY u.id LIMIT ${limit}`,
  );
}

/**
 * Deletes up to `limit` users whose only tenant is this one, with their login throttles, and returns their ids in
 * order (the caller continues after the last). A user who belongs to another tenant too is kept: their memberships,
 * sessions and tokens in this tenant go with the tenant's tables.
 */
export async function deleteUsersOnlyHere(ctx: TenantCtx, after: string | null, limit: number): Promise<{ scanned: string | null; deleted: number }> {
  const control = ctxFor(ctx, "tenant_members").db;
  const page = await queryAll<{ id: string; email: string; elsewhere: number }>(
    ctxFor(ctx, "tenant_members"),
    sql`SELECT u.id, u.email, EXISTS (SELECT 1 FROM tenant_members o WHERE o.user_id = u.id AND o.tenant_id <> ${ctx.tenantId}) AS elsewhere
        FROM tenant_members m JOIN users u ON u.id = m.user_id
        WHERE m.tenant_id = ${ctx.tenantId} AND u.id > ${after ?? ""} ORDER BY u.id LIMIT ${limit}`,
  );
  const gone = page.filter((u) => !u.elsewhere);
  if (gone.length) {
    const ids = gone.map((u) => u.id);
    // The account's second factors (db/tenant-tables.ts accountTables) go with it.
    await control.batch([
      control.delete(users).where(inArray(users.id, ids)),
      control
        .delete(loginThrottle)
        .where(inArray(loginThrottle.key, [...gone.map((u) => `login:account:${u.email}`), ...ids.map((id) => `mfa:account:${id}`)])),
      control.delete(userTotp).where(inArray(userTotp.userId, ids)),
      control.delete(userRecoveryCodes).where(inArray(userRecoveryCodes.userId, ids)),
      control.delete(userPasskeys).where(inArray(userPasskeys.userId, ids)),
      control.delete(mfaChallenges).where(inArray(mfaChallenges.userId, ids)),
    ]);
  }
  return { scanned: page.at(-1)?.id ?? null, deleted: gone.length };
}

export async function deleteTenantRow(ctx: TenantCtx): Promise<number> {
  const result = await ctx.control.run(sql`DELETE FROM tenants WHERE id = ${ctx.tenantId}`);
  return result.meta.changes ?? 0;
}
