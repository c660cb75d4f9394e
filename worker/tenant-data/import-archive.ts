import { blobKinds } from "../blobs/store";
import { columnsOf, exportedTables, leftOutOfExport, type TenantTable } from "../db/tenant-tables";
import { fromBase64 } from "../lib/encoding";
import { EXPORT_FORMAT } from "./export";
import { ArchiveError, type TarFile, tarFiles } from "./untar";

/**
 * The reading and checking of an export archive for an import (worker/tenant-data/import.ts): what each file must be
 * (docs/operations.md, "Export"), and one pass over the whole archive that checks all of it before anything is
 * written. The write pass parses files with the same functions, so it cannot accept what the check refused.
 */

/** Where an archive is read from; opened once per pass (check, then write), so it must give the same bytes each time. */
export type ArchiveSource = () => Promise<ReadableStream<Uint8Array>>;

/** The largest JSON file (a table's page, tenant.json, manifest.json) an import holds in memory. */
export const MAX_JSON_FILE_BYTES = 64 * 1024 * 1024;

export interface MemberProfile {
  id: string;
  email: string;
  name: string;
  created_at: number;
}

/** What the check learned: the tenant, its members, and the counts the write pass will reproduce. */
export interface ArchiveSummary {
  tenant: Record<string, unknown> & { id: string; slug: string };
  exportId: string;
  exportedAt: string;
  /** Files in the archive, tenant.json and manifest.json included. */
  files: number;
  users: MemberProfile[];
  tables: Record<string, number>;
  blobs: { count: number; bytes: number };
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
const importable = new Map(exportedTables.map((t) => [t.name, t]));
const tenantColumns = new Set(columnsOf("tenants"));
const profileColumns = ["id", "email", "name", "created_at"];

export type ArchivePath =
  | { kind: "tenant" }
  | { kind: "manifest" }
  | { kind: "table"; table: TenantTable; file: number }
  | { kind: "users"; file: number }
  | { kind: "blob"; path: string };

/** What an archive path holds; refuses any path an export does not write. */
export function classify(path: string): ArchivePath {
  if (path === "tenant.json") return { kind: "tenant" };
  if (path === "manifest.json") return { kind: "manifest" };
  const page = /^tables\/([a-z_][a-z0-9_]*)\/(\d{6})\.jsonl$/.exec(path);
  if (page) {
    const [, name, n] = page as unknown as [string, string, string];
    if (name === "users") return { kind: "users", file: Number(n) };
    const table = importable.get(name);
    if (!table) {
      if (name in leftOutOfExport) throw new ArchiveError(`${path}: ${name} is never exported, so an archive holding it is not a Tutti export`);
      throw new ArchiveError(`${path}: this release has no table ${name} (an archive from a newer release needs that release to import it)`);
    }
    return { kind: "table", table, file: Number(n) };
  }
  if (path.startsWith("blobs/")) {
    const key = path.slice("blobs/".length);
    const segments = key.split("/");
    const kind = segments[0] as string;
    if (segments.some((s) => s === "" || s === "." || s === "..") || !/^[A-Za-z0-9._~%-]+(\/[A-Za-z0-9._~%-]+)*$/.test(key))
      throw new ArchiveError(`${path}: not a blob key an export writes`);
    if (!(blobKinds as readonly string[]).includes(kind)) throw new ArchiveError(`${path}: ${kind} is not a kind of stored bytes`);
    if (kind !== "task-log" && !/^[a-z-]+\/[0-9a-f]{64}$/.test(key)) throw new ArchiveError(`${path}: a ${kind} blob is named by its SHA-256`);
    return { kind: "blob", path: key };
  }
  throw new ArchiveError(`${path}: not a file an export writes`);
}

/** The R2 key an archived blob goes back to: the same key under the tenant's prefix. */
export const blobKeyOf = (tenantId: string, path: string) => `t/${tenantId}/${path}`;

async function jsonFile(file: TarFile): Promise<unknown> {
  try {
    return JSON.parse(decoder.decode(await file.bytes(MAX_JSON_FILE_BYTES)));
  } catch (err) {
    if (err instanceof ArchiveError) throw err;
    throw new ArchiveError(`${file.path}: not valid JSON`);
  }
}

async function jsonLines(file: TarFile): Promise<Record<string, unknown>[]> {
  let content: string;
  try {
    content = decoder.decode(await file.bytes(MAX_JSON_FILE_BYTES));
  } catch (err) {
    if (err instanceof ArchiveError) throw err;
    throw new ArchiveError(`${file.path}: not UTF-8 text`);
  }
  if (!content.endsWith("\n")) throw new ArchiveError(`${file.path}: its last line is cut off`);
  return content
    .slice(0, -1)
    .split("\n")
    .map((line, i) => {
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch {
        throw new ArchiveError(`${file.path} line ${i + 1}: not valid JSON`);
      }
      if (typeof row !== "object" || row === null || Array.isArray(row)) throw new ArchiveError(`${file.path} line ${i + 1}: not a JSON object`);
      return row as Record<string, unknown>;
    });
}

const isBase64Bytes = (v: unknown) =>
  typeof v === "object" && v !== null && Object.keys(v).join() === "$base64" && /^[A-Za-z0-9+/]*={0,2}$/.test((v as { $base64: unknown }).$base64 as string);

/**
 * The rows of one page of `table`, checked: every row the tenant's, every column one the table has (key columns
 * present), values as D1 stores them, bytes as `{"$base64": …}`, and every R2 key a row names under the tenant's prefix.
 */
export async function tableRows(file: TarFile, table: TenantTable, tenantId: string): Promise<Record<string, unknown>[]> {
  const rows = await jsonLines(file);
  const columns = new Set(table.columns);
  rows.forEach((row, i) => {
    const where = `${file.path} line ${i + 1}`;
    if (row.tenant_id !== tenantId)
      throw new ArchiveError(`${where}: the row belongs to tenant ${JSON.stringify(row.tenant_id)}, not the archive's ${tenantId}`);
    for (const [column, value] of Object.entries(row)) {
      if (!columns.has(column)) throw new ArchiveError(`${where}: ${table.name} has no column ${column} in this release`);
      if (table.blobColumns.includes(column)) {
        if (value !== null && !isBase64Bytes(value)) throw new ArchiveError(`${where}: ${column} holds bytes, written as {"$base64": "…"}`);
      } else if (value !== null && typeof value !== "string" && typeof value !== "number")
        throw new ArchiveError(`${where}: ${column} is ${typeof value}, not a value D1 stores`);
      if (column.endsWith("blob_key") && value !== null && !(typeof value === "string" && value.startsWith(`t/${tenantId}/`) && !value.includes("..")))
        throw new ArchiveError(`${where}: ${column} names an R2 key outside the tenant's prefix t/${tenantId}/`);
    }
    for (const key of table.keyColumns) if (row[key] == null) throw new ArchiveError(`${where}: the key column ${key} is missing`);
  });
  return rows;
}

/** The members' profiles of one page of `tables/users/`. */
export async function profileRows(file: TarFile): Promise<MemberProfile[]> {
  const rows = await jsonLines(file);
  rows.forEach((row, i) => {
    const where = `${file.path} line ${i + 1}`;
    for (const column of Object.keys(row)) if (!profileColumns.includes(column)) throw new ArchiveError(`${where}: a member's profile has no ${column}`);
    if (typeof row.id !== "string" || typeof row.email !== "string" || typeof row.name !== "string" || typeof row.created_at !== "number")
      throw new ArchiveError(`${where}: a member's profile needs id, email, name and created_at`);
  });
  return rows as unknown as MemberProfile[];
}

/** `{"$base64": …}` values of `table`'s byte columns as bytes, for binding. */
export function decodeBytes(table: TenantTable, row: Record<string, unknown>): Record<string, unknown> {
  if (!table.blobColumns.length) return row;
  const out = { ...row };
  for (const column of table.blobColumns) {
    const value = out[column] as { $base64: string } | null | undefined;
    if (value) out[column] = fromBase64(value.$base64);
  }
  return out;
}

function checkHead(head: unknown, expectTenant: string | undefined): ArchiveSummary["tenant"] {
  const h = head as { format?: unknown; version?: unknown; tenant?: Record<string, unknown> };
  if (h?.format !== EXPORT_FORMAT.name) throw new ArchiveError(`tenant.json: format is ${JSON.stringify(h?.format)}, not ${EXPORT_FORMAT.name}`);
  if (h.version !== EXPORT_FORMAT.version)
    throw new ArchiveError(`tenant.json: format version ${JSON.stringify(h.version)}; this release reads version ${EXPORT_FORMAT.version}`);
  const tenant = h.tenant;
  if (!tenant || typeof tenant.id !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(tenant.id) || typeof tenant.slug !== "string")
    throw new ArchiveError("tenant.json: the tenant needs an id and a slug");
  for (const column of Object.keys(tenant))
    if (!tenantColumns.has(column)) throw new ArchiveError(`tenant.json: tenants has no column ${column} in this release`);
  if (expectTenant !== undefined && tenant.id !== expectTenant) throw new ArchiveError(`the archive is tenant ${tenant.id}'s, not ${expectTenant}'s`);
  return tenant as ArchiveSummary["tenant"];
}

interface Counted {
  rows: number;
  files: number;
}

function checkManifest(manifest: unknown, tenantId: string, seen: { tables: Map<string, Counted>; users: Counted; blobs: { count: number; bytes: number } }) {
  const m = manifest as {
    format?: unknown;
    version?: unknown;
    tenant_id?: unknown;
    export_id?: unknown;
    exported_at?: unknown;
    tables?: Record<string, Counted>;
    users?: Counted;
    blobs?: { count: number; bytes: number };
  };
  if (m?.format !== EXPORT_FORMAT.name || m.version !== EXPORT_FORMAT.version)
    throw new ArchiveError(`manifest.json: format ${JSON.stringify(m?.format)} version ${JSON.stringify(m?.version)} does not match tenant.json`);
  if (m.tenant_id !== tenantId) throw new ArchiveError(`manifest.json: tenant ${JSON.stringify(m.tenant_id)}, but tenant.json is ${tenantId}'s`);
  if (typeof m.export_id !== "string" || !m.export_id || typeof m.exported_at !== "string")
    throw new ArchiveError("manifest.json: no export_id or exported_at");
  if (!m.tables || typeof m.tables !== "object") throw new ArchiveError("manifest.json: no table counts");
  for (const name of Object.keys(m.tables))
    if (!importable.has(name))
      throw new ArchiveError(`manifest.json: this release has no table ${name} (import with the release that exported it, or a newer one)`);
  const same = (a: Counted | undefined, b: Counted) => (a?.rows ?? 0) === b.rows && (a?.files ?? 0) === b.files;
  for (const [name, counted] of seen.tables)
    if (!same(m.tables[name], counted))
      throw new ArchiveError(`manifest.json: ${name} should have ${JSON.stringify(m.tables[name] ?? null)} but the archive holds ${JSON.stringify(counted)}`);
  for (const [name, listed] of Object.entries(m.tables))
    if (!seen.tables.has(name) && (listed?.rows ?? 0) !== 0)
      throw new ArchiveError(`manifest.json: ${name} should have ${listed.rows} rows, but the archive has none`);
  if (!same(m.users, seen.users))
    throw new ArchiveError(`manifest.json: ${JSON.stringify(m.users)} member profiles, but the archive holds ${JSON.stringify(seen.users)}`);
  if (m.blobs?.count !== seen.blobs.count || m.blobs?.bytes !== seen.blobs.bytes)
    throw new ArchiveError(`manifest.json: ${JSON.stringify(m.blobs)} blobs, but the archive holds ${JSON.stringify(seen.blobs)}`);
  return { exportId: m.export_id, exportedAt: m.exported_at };
}

const phases = ["tenant", "table", "users", "blob", "manifest"] as const;

/**
 * Reads the whole archive once and checks everything in it (format and version, every path and table known, every
 * row the tenant's, the counts of manifest.json, the end of the tar); throws ArchiveError naming the first problem.
 */
export async function checkArchive(source: ArchiveSource, expectTenant?: string): Promise<ArchiveSummary> {
  let tenant: ArchiveSummary["tenant"] | null = null;
  let ids: { exportId: string; exportedAt: string } | null = null;
  let phase = 0;
  let files = 0;
  let current = { table: "", file: 0 };
  const seen = { tables: new Map<string, Counted>(), users: { rows: 0, files: 0 }, blobs: { count: 0, bytes: 0 } };
  const users: MemberProfile[] = [];
  for await (const file of tarFiles(await source())) {
    files++;
    const path = classify(file.path);
    const at = phases.indexOf(path.kind === "users" ? "users" : path.kind);
    if (ids) throw new ArchiveError(`${file.path}: after manifest.json, which is the archive's last file`);
    if (at < phase || (file.index === 0) !== (path.kind === "tenant"))
      throw new ArchiveError(`${file.path}: out of order (tenant.json, tables, users, blobs, manifest.json)`);
    phase = at;
    if (path.kind === "table" || path.kind === "users") {
      const name = path.kind === "table" ? path.table.name : "users";
      const expected: number = current.table === name ? current.file + 1 : 1;
      if (path.file !== expected || (current.table !== name && (seen.tables.has(name) || (name === "users" && seen.users.files > 0))))
        throw new ArchiveError(`${file.path}: expected page ${String(expected).padStart(6, "0")} of ${name}`);
      current = { table: name, file: path.file };
    }
    switch (path.kind) {
      case "tenant":
        tenant = checkHead(await jsonFile(file), expectTenant);
        break;
      case "table": {
        const rows = await tableRows(file, path.table, (tenant as ArchiveSummary["tenant"]).id);
        const counted = seen.tables.get(path.table.name) ?? { rows: 0, files: 0 };
        seen.tables.set(path.table.name, { rows: counted.rows + rows.length, files: counted.files + 1 });
        break;
      }
      case "users": {
        const rows = await profileRows(file);
        users.push(...rows);
        seen.users = { rows: seen.users.rows + rows.length, files: seen.users.files + 1 };
        break;
      }
      case "blob":
        seen.blobs = { count: seen.blobs.count + 1, bytes: seen.blobs.bytes + file.size };
        break;
      case "manifest":
        ids = checkManifest(await jsonFile(file), (tenant as ArchiveSummary["tenant"]).id, seen);
        break;
    }
  }
  if (!tenant) throw new ArchiveError("the archive is empty");
  if (!ids) throw new ArchiveError("the archive has no manifest.json: it is truncated, or not a Tutti export");
  return {
    tenant,
    ...ids,
    files,
    users,
    tables: Object.fromEntries([...seen.tables].map(([name, c]) => [name, c.rows])),
    blobs: seen.blobs,
  };
}
