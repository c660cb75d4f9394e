import { env } from "cloudflare:test";
import { expect } from "vitest";
import { getDeletion, startDeletion } from "../../worker/db/repo/platform/tenant-jobs";
import { controlDb, d1Binding } from "../../worker/db/shards";
import { sideOf } from "../../worker/db/sides";
import { deletedTables, exportedTables } from "../../worker/db/tenant-tables";
import { type DeleteLimits, runDeletionStep } from "../../worker/tenant-data/delete";
import { tarEnd, tarFile } from "../../worker/tenant-data/tar";
import type { Session } from "./api";
import { allDatabases, tenantD1, testShards } from "./tenant-db";

/** A tar archive's files (ustar, as worker/tenant-data/tar.ts writes it), read back independently of the writer. */
export function readTar(bytes: Uint8Array): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const text = (from: number, length: number) => new TextDecoder().decode(bytes.subarray(from, from + length)).replace(/\0.*$/s, "");
  let at = 0;
  while (at + 512 <= bytes.length) {
    if (bytes.subarray(at, at + 512).every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : (bytes[at + i] as number);
    if (Number.parseInt(text(at + 148, 8).trim(), 8) !== sum) throw new Error(`bad tar checksum at ${at}`);
    if (text(at + 257, 6) !== "ustar") throw new Error(`not a ustar header at ${at}`);
    const prefix = text(at + 345, 155);
    const name = prefix ? `${prefix}/${text(at, 100)}` : text(at, 100);
    const size = Number.parseInt(text(at + 124, 12).trim(), 8);
    files.set(name, bytes.slice(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** Every row of the archive's JSON Lines files of `table`, in file order. */
export function archivedRows(files: Map<string, Uint8Array>, table: string): Record<string, unknown>[] {
  const names = [...files.keys()].filter((n) => n.startsWith(`tables/${table}/`)).sort();
  return names.flatMap((n) =>
    new TextDecoder()
      .decode(files.get(n))
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>),
  );
}

/** The databases where rows of `table` may be: the control database, or every shard (one database without shards). */
export function databasesOf(table: string): D1Database[] {
  const shards = testShards();
  return shards.length === 0 || sideOf(table) === "control" ? [env.DB] : shards.map((name) => d1Binding(env, name));
}

/** The database holding the tenant's rows of `table`: control, or the shard its row names. */
export async function databaseOf(tenantId: string, table: string): Promise<D1Database> {
  if (testShards().length === 0 || sideOf(table) === "control") return env.DB;
  return tenantD1(tenantId);
}

/** Rows of `table` naming the tenant, over every database that may hold them. */
export async function countRows(tenantId: string, table: string): Promise<number> {
  let n = 0;
  for (const d1 of databasesOf(table))
    n += (await d1.prepare(`SELECT COUNT(*) AS n FROM "${table}" WHERE tenant_id = ?`).bind(tenantId).first<{ n: number }>())?.n ?? 0;
  return n;
}

interface ColumnInfo {
  name: string;
  type: string;
}

/**
 * Writes `n` made-up rows of `tenantId` into every table with a `tenant_id` (values by declared column type, unique
 * where it matters), so a test covers every table without building each domain's objects through the API.
 */
export async function seedEveryTenantTable(tenantId: string, n: number): Promise<void> {
  const statements = new Map<D1Database, D1PreparedStatement[]>();
  for (const table of deletedTables) {
    const d1 = await databaseOf(tenantId, table.name);
    if (!statements.has(d1)) statements.set(d1, []);
    const { results } = await env.DB.prepare(`PRAGMA table_info("${table.name}")`).all<ColumnInfo>();
    // A table keyed by the tenant alone (its settings) holds one row per tenant.
    const rows = table.keyColumns.join() === "tenant_id" ? 1 : n;
    for (let i = 0; i < rows; i++) {
      const values = results.map((c) => {
        if (c.name === "tenant_id") return tenantId;
        // Rows name R2 objects only under their tenant's prefix (an import refuses any other key).
        if (c.name.endsWith("blob_key")) return `t/${tenantId}/seed/${crypto.randomUUID()}`;
        const type = c.type.toLowerCase();
        if (type.includes("int")) return Math.floor(Math.random() * 1e12);
        if (type.includes("real")) return 1.5;
        if (type.includes("blob")) return crypto.getRandomValues(new Uint8Array(8)).buffer;
        // A JSON string literal: valid in the columns drizzle reads as JSON, and text everywhere else.
        return JSON.stringify(`seed-${c.name}-${crypto.randomUUID()}`);
      });
      const names = results.map((c) => `"${c.name}"`).join(", ");
      statements.get(d1)?.push(d1.prepare(`INSERT INTO "${table.name}" (${names}) VALUES (${results.map(() => "?").join(", ")})`).bind(...values));
    }
  }
  for (const [d1, list] of statements) await d1.batch(list);
}

/** Rows per table of the tenant, for the tables a deletion empties (over every database that may hold them). */
export async function tenantRowCounts(tenantId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of deletedTables) out[table.name] = await countRows(tenantId, table.name);
  return out;
}

/**
 * Every (table, column) of every database (control and each shard) whose value mentions `needle`, outside `except`;
 * named `table.column`, prefixed with the database's binding where the deployment has shards.
 */
export async function columnsMentioning(needle: string, except: string[]): Promise<string[]> {
  const found: string[] = [];
  const databases = Object.entries(allDatabases());
  for (const [binding, d1] of databases) {
    const { results: tables } = await d1
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations'")
      .all<{ name: string }>();
    for (const { name } of tables) {
      if (except.includes(name)) continue;
      const { results: columns } = await d1.prepare(`PRAGMA table_info("${name}")`).all<ColumnInfo>();
      for (const c of columns) {
        const hit = await d1.prepare(`SELECT 1 FROM "${name}" WHERE CAST("${c.name}" AS TEXT) LIKE ? LIMIT 1`).bind(`%${needle}%`).first();
        if (hit) found.push(databases.length > 1 ? `${binding}:${name}.${c.name}` : `${name}.${c.name}`);
      }
    }
  }
  return found;
}

/** An archive holding `files` in order, written with the export's own tar writer (tests rebuild archives they damage). */
export function writeTar(files: Map<string, Uint8Array>): Uint8Array {
  const chunks = [...[...files].flatMap(([path, bytes]) => tarFile(path, bytes, 0)), tarEnd()];
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Everything D1 holds of the tenant that an export carries: every exported table's rows in key order (the list comes
 * from db/tenant-tables.ts, so a new table is compared without being named), its tenant row and its members' profiles.
 */
export async function tenantSnapshot(tenantId: string): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of exportedTables) {
    const order = table.keyColumns.map((c) => `"${c}"`).join(", ");
    out[table.name] = [];
    for (const d1 of databasesOf(table.name))
      out[table.name]?.push(...(await d1.prepare(`SELECT * FROM "${table.name}" WHERE tenant_id = ? ORDER BY ${order}`).bind(tenantId).all()).results);
  }
  // Which shard the tenant is on is placement, not its data (an import places it anew).
  out.tenants = (await env.DB.prepare("SELECT * FROM tenants WHERE id = ?").bind(tenantId).all()).results.map(({ shard: _shard, ...row }) => row);
  out.users = (
    await env.DB.prepare(
      "SELECT u.id, u.email, u.name, u.created_at FROM tenant_members m JOIN users u ON u.id = m.user_id WHERE m.tenant_id = ? ORDER BY u.id",
    )
      .bind(tenantId)
      .all()
  ).results;
  return out;
}

/** The archive as a source an import can open as often as it likes. */
export const bytesSource = (bytes: Uint8Array) => async () => new Blob([bytes]).stream();

/**
 * Deletes the owner's tenant the way their request does (the deletion record, then every step until none is left)
 * and checks the deletion ended done; returns how many steps it took.
 */
export async function deleteTenant(owner: Session, limits?: DeleteLimits): Promise<number> {
  const tenantId = owner.tenant.id;
  await startDeletion(controlDb(env), {
    tenantId,
    tenantSlug: owner.tenant.slug,
    requestedById: owner.user.id,
    requestedByLabel: owner.user.email,
    ip: null,
    requestId: null,
    now: Date.now(),
  });
  let steps = 0;
  for (let more = true; more; steps++) {
    ({ more } = await runDeletionStep(env, tenantId, Date.now(), limits));
    expect(steps).toBeLessThan(1000);
  }
  expect((await getDeletion(controlDb(env), tenantId))?.status).toBe("done");
  return steps;
}
