import { eq, inArray, or, sql } from "drizzle-orm";
import { NO_PASSWORD } from "../../../lib/password";
import { bulkStatements, payloadValue } from "../../bulk";
import type { Db, TenantCtx } from "../../client";
import { sideOf } from "../../sides";
import { tenantImports, users } from "../../schema";
import { runBatch, stmt, type Stmt } from "../../statements";
import { deletedTables, type TenantTable } from "../../tenant-tables";

/**
 * The writes of a tenant import (worker/tenant-data/import.ts). Every write of rows is guarded by the import's row:
 * it applies only while the import is running at the position it was built from, and the batch that carries it
 * moves the position on last. D1 runs a batch as one transaction, so a batch is applied once or not at all, and a
 * second runner of the same import finds the position moved and writes nothing. Table and column names come only from
 * the schema registry (db/tenant-tables.ts), never from the archive.
 *
 * With shards (db/shards.ts) the import's row, and every control-side table (db/sides.ts), is on the control
 * database, the rest on the tenant's shard: a batch cannot span the two, so shard rows are written by key where
 * missing (`insertMissingRowsStatements`: a batch applied twice writes nothing the second time) before the control
 * batch that moves the position past them. `ctx.db` is the shard, `ctx.control` the control database.
 */

export type TenantImport = typeof tenantImports.$inferSelect;

const ident = (name: string) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a table or column name: ${name}`);
  return sql.raw(`"${name}"`);
};

export async function getImport(ctx: TenantCtx): Promise<TenantImport | null> {
  const [row] = await ctx.control.select().from(tenantImports).where(eq(tenantImports.tenantId, ctx.tenantId));
  return row ?? null;
}

/** Tables an import fills, which must hold no row of the tenant before it starts (its own record aside). */
const filledTables = deletedTables.filter((t) => t.name !== "tenant_imports");

const hasRows = (tenantId: string, table: string) => stmt(sql`SELECT EXISTS (SELECT 1 FROM ${ident(table)} WHERE tenant_id = ${tenantId}) AS found`);

/**
 * What of the tenant the databases already hold: its row, the tables with rows of it (control tables on the control
 * database, the others on each of `shards`), the tenant holding its slug, and its deletion's status; one round trip
 * per database.
 */
export async function tenantPresence(ctx: TenantCtx, slug: string, shards: Db[]) {
  const control = filledTables.filter((t) => sideOf(t.name) === "control" || shards.includes(ctx.control));
  const onShards = filledTables.filter((t) => !control.includes(t));
  const results = await runBatch({ ...ctx, db: ctx.control }, [
    stmt(sql`SELECT EXISTS (SELECT 1 FROM tenants WHERE id = ${ctx.tenantId}) AS found`),
    stmt(sql`SELECT id FROM tenants WHERE slug = ${slug}`),
    stmt(sql`SELECT status FROM tenant_deletions WHERE tenant_id = ${ctx.tenantId}`),
    ...control.map((t) => hasRows(ctx.tenantId, t.name)),
  ]);
  const first = <T>(i: number) => (results[i]?.results[0] ?? null) as T | null;
  const found = new Set(control.filter((_, i) => first<{ found: number }>(i + 3)?.found === 1).map((t) => t.name));
  for (const db of shards.filter((d) => d !== ctx.control)) {
    const shardResults = await runBatch(
      { ...ctx, db },
      onShards.map((t) => hasRows(ctx.tenantId, t.name)),
    );
    onShards.forEach((t, i) => {
      if ((shardResults[i]?.results[0] as { found: number } | undefined)?.found === 1) found.add(t.name);
    });
  }
  return {
    tenantRow: first<{ found: number }>(0)?.found === 1,
    slugOwner: first<{ id: string }>(1)?.id ?? null,
    deletion: first<{ status: string }>(2)?.status ?? null,
    tablesWithRows: filledTables.filter((t) => found.has(t.name)).map((t) => t.name),
  };
}

/** Accounts that exist with one of these ids or e-mails (at most 45 of each per statement: D1 binds 100 parameters). */
export async function existingAccounts(ctx: TenantCtx, people: Array<{ id: string; email: string }>): Promise<Array<{ id: string; email: string }>> {
  const out: Array<{ id: string; email: string }> = [];
  for (let at = 0; at < people.length; at += 45) {
    const page = people.slice(at, at + 45);
    const ids = page.map((p) => p.id);
    const emails = page.map((p) => p.email);
    out.push(
      ...(await ctx.control
        .select({ id: users.id, email: users.email })
        .from(users)
        .where(or(inArray(users.id, ids), inArray(users.email, emails)))),
    );
  }
  return out;
}

/** True in a statement while the import is running at `position`. */
const atPosition = (ctx: TenantCtx, exportId: string, position: number) =>
  sql`EXISTS (SELECT 1 FROM tenant_imports WHERE tenant_id = ${ctx.tenantId} AND export_id = ${exportId} AND status = 'running' AND position = ${position})`;

/**
 * The import's start: its row, and the accounts of members the database does not know, without a password (they sign
 * in through single sign-on or set one with a reset link, as SCIM-made accounts do). Accounts are created only when
 * the row is new, by id; an e-mail that meanwhile belongs to another account fails the batch.
 */
export function startStatements(
  ctx: TenantCtx,
  start: { exportId: string; exportedAt: string; shard: string; counts: Record<string, number>; now: number },
  newAccounts: Array<{ id: string; email: string; name: string; created_at: number }>,
): Stmt[] {
  const row = stmt(sql`INSERT INTO tenant_imports (tenant_id, export_id, exported_at, shard, status, position, counts, started_at, updated_at)
    VALUES (${ctx.tenantId}, ${start.exportId}, ${start.exportedAt}, ${start.shard}, 'running', 0, ${JSON.stringify(start.counts)}, ${start.now}, ${start.now})
    ON CONFLICT (tenant_id) DO NOTHING`);
  const accounts = bulkStatements(
    newAccounts.map((u) => [u.id, u.email, u.name, u.created_at]),
    (payload) => sql`INSERT INTO users (id, email, name, password_hash, password_salt, password_iterations, email_verified_at, created_at)
      SELECT ${payloadValue(0)}, ${payloadValue(1)}, ${payloadValue(2)}, ${NO_PASSWORD.hash}, ${NO_PASSWORD.salt}, ${NO_PASSWORD.iterations}, NULL, ${payloadValue(3)}
      FROM json_each(${payload}) r
      WHERE ${atPosition(ctx, start.exportId, 0)} AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = ${payloadValue(0)})`,
  );
  return [row, ...accounts];
}

/**
 * Inserts `rows` of `table` (each with the same columns, in table order) while the import is at `position`. Bytes
 * travel as hex and are stored as BLOBs again.
 */
export function insertRowsStatements(ctx: TenantCtx, table: TenantTable, columns: string[], rows: unknown[][], exportId: string, position: number): Stmt[] {
  const values = columns.map((c, i) => (table.blobColumns.includes(c) ? sql`unhex(${payloadValue(i)})` : payloadValue(i)));
  return bulkStatements(
    rows,
    (payload) => sql`INSERT INTO ${ident(table.name)} (${sql.join(columns.map(ident), sql`, `)})
      SELECT ${sql.join(values, sql`, `)} FROM json_each(${payload}) r WHERE ${atPosition(ctx, exportId, position)}`,
  );
}

/**
 * Inserts those of `rows` of `table` (each with the same columns, in table order, key columns among them) whose key
 * the tenant does not have yet: applied twice, it writes nothing the second time. Another tenant's row with the same
 * key still fails the statement. For the shard side of an import, and for tenant:move's copy.
 */
export function insertMissingRowsStatements(ctx: TenantCtx, table: TenantTable, columns: string[], rows: unknown[][]): Stmt[] {
  const values = columns.map((c, i) => (table.blobColumns.includes(c) ? sql`unhex(${payloadValue(i)})` : payloadValue(i)));
  const sameKey = table.keyColumns.map((k) => {
    const i = columns.indexOf(k);
    if (i < 0) throw new Error(`rows of ${table.name} without their key column ${k}`);
    return sql`x.${ident(k)} = ${payloadValue(i)}`;
  });
  return bulkStatements(
    rows,
    (payload) => sql`INSERT INTO ${ident(table.name)} (${sql.join(columns.map(ident), sql`, `)})
      SELECT ${sql.join(values, sql`, `)} FROM json_each(${payload}) r
      WHERE NOT EXISTS (SELECT 1 FROM ${ident(table.name)} x WHERE x.tenant_id = ${ctx.tenantId} AND ${sql.join(sameKey, sql` AND `)})`,
  );
}

/** Moves the import from `from` to `to` with its counts; the last statement of every batch (0 changes: not ours). */
export function advanceStatement(ctx: TenantCtx, exportId: string, from: number, to: number, counts: Record<string, number>, now: number): Stmt {
  return stmt(sql`UPDATE tenant_imports SET position = ${to}, counts = ${JSON.stringify(counts)}, updated_at = ${now}
    WHERE tenant_id = ${ctx.tenantId} AND export_id = ${exportId} AND status = 'running' AND position = ${from}`);
}

/**
 * The end of the import, in one batch: the tenant's row (written last, so no credential of the tenant resolves before
 * everything else is in), the import marked done with a copy of the tenant's finished deletion record, and that record
 * removed, which lifts the deletion's lock on sessions, tokens and the run engine.
 */
export function finishStatements(ctx: TenantCtx, tenant: Record<string, unknown>, exportId: string, position: number, now: number): Stmt[] {
  // `shard` is placement, left out of exports since it exists: the import's own, chosen when it began.
  const columns = Object.keys(tenant).filter((c) => c !== "shard");
  const placed = sql`(SELECT shard FROM tenant_imports WHERE tenant_id = ${ctx.tenantId})`;
  const guard = atPosition(ctx, exportId, position);
  return [
    stmt(
      sql`INSERT INTO tenants (${sql.join([...columns, "shard"].map(ident), sql`, `)}) SELECT ${sql.join(
        [...columns.map((c) => sql`${tenant[c] as string | number | null}`), placed],
        sql`, `,
      )} WHERE ${guard}`,
    ),
    stmt(sql`UPDATE tenant_imports SET status = 'done', finished_at = ${now}, updated_at = ${now},
      lifted_deletion = (SELECT json_object('tenant_slug', tenant_slug, 'requested_by_id', requested_by_id, 'requested_by_label', requested_by_label,
        'requested_at', requested_at, 'finished_at', finished_at, 'removed', json(removed)) FROM tenant_deletions WHERE tenant_id = ${ctx.tenantId} AND status = 'done')
      WHERE tenant_id = ${ctx.tenantId} AND export_id = ${exportId} AND status = 'running' AND position = ${position}`),
    stmt(sql`DELETE FROM tenant_deletions WHERE tenant_id = ${ctx.tenantId} AND status = 'done'
      AND EXISTS (SELECT 1 FROM tenant_imports WHERE tenant_id = ${ctx.tenantId} AND export_id = ${exportId} AND status = 'done' AND finished_at = ${now})`),
  ];
}
