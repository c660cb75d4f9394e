import { is } from "drizzle-orm";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import * as schema from "./schema";

/**
 * Which D1 tables hold a tenant's data, derived from the drizzle schema so a new table cannot be forgotten: every
 * table with a `tenant_id` column is exported and deleted with its tenant unless it is named below with the reason.
 * test/integration/tenant-tables.test.ts checks this list against the tables the migrations actually create.
 */

export interface TenantTable {
  name: string;
  /** Every column, in schema order: an import refuses a row naming any other. */
  columns: string[];
  /** Primary-key columns, in key order: exports page through the tenant's rows by them. */
  keyColumns: string[];
  /** Columns holding bytes (SQLite BLOB), written to the archive as `{"$base64": "…"}`. */
  blobColumns: string[];
}

/** Tables with a `tenant_id` that are kept when their tenant is deleted. */
export const retainedOnDelete: Readonly<Record<string, string>> = {
  tenant_deletions: "the platform record of the deletion itself (who, when, what was removed); it is the tenant lock while the deletion runs",
};

/** Tables with a `tenant_id` that are deleted with the tenant but left out of its export. */
export const leftOutOfExport: Readonly<Record<string, string>> = {
  sessions: "sign-in credentials (CSRF tokens): useless elsewhere and not the tenant's data",
  tenant_exports: "the bookkeeping of exports themselves",
  sso_logins: "sign-ins on their way through the identity provider: single-use, ten minutes at most",
  tenant_deletions: "platform record, not tenant data",
  tenant_imports: "the bookkeeping of an import into this database (where it stopped, what it lifted)",
  tenant_moves: "the bookkeeping of a move between shards (where it stopped, the write lock)",
};

/**
 * Tables without `tenant_id` that hold a tenant's data through another table. `tenants` is the tenant itself (its
 * row goes last); `users` are the tenant's members, shared with other tenants they belong to: the export carries
 * their profile (no password hash) and the deletion removes a user only when no other tenant has them.
 */
export const indirectTables = ["tenants", "users"] as const;

/**
 * Tables keyed by a person's account, without `tenant_id`: second factors are the person's, used to sign in to every
 * workspace they belong to. Never exported (credentials); deleted with the account when it leaves its last workspace
 * (db/repo/platform/tenant-rows.ts `deleteUsersOnlyHere`).
 */
export const accountTables: Readonly<Record<string, string>> = {
  user_totp: "a person's authenticator-app secret (sealed)",
  user_recovery_codes: "a person's one-time recovery codes (hashed)",
  user_passkeys: "a person's passkeys (public keys)",
  mfa_challenges: "second steps under way (sign-in, passkey registration): single-use, five minutes at most, swept hourly",
};

/** Tables that belong to no tenant at all. */
export const platformTables: Readonly<Record<string, string>> = {
  login_throttle: "keyed by e-mail or client address, which exist before any tenant; swept hourly",
  rate_limits: "sign-up and login counters keyed by client address or e-mail; windows of an hour at most",
  email_tokens: "sign-up and password-reset links keyed by e-mail, before any workspace exists; hashed, expire within a day, swept hourly",
  dev_outbox: "mail captured in local development and tests only; never written by a deployment",
};

function tablesWithTenantId(): TenantTable[] {
  const out: TenantTable[] = [];
  for (const value of Object.values(schema)) {
    if (!is(value, SQLiteTable)) continue;
    const config = getTableConfig(value);
    if (!config.columns.some((c) => c.name === "tenant_id")) continue;
    const compositeKey = config.primaryKeys[0]?.columns.map((c) => c.name);
    const singleKey = config.columns.filter((c) => c.primary).map((c) => c.name);
    const keyColumns = compositeKey ?? singleKey;
    if (keyColumns.length === 0) throw new Error(`table ${config.name} has no primary key to page by`);
    out.push({
      name: config.name,
      columns: config.columns.map((c) => c.name),
      keyColumns,
      blobColumns: config.columns.filter((c) => c.getSQLType() === "blob").map((c) => c.name),
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** The columns of one of the tables without `tenant_id` (`tenants`, `users`), as the schema declares them. */
export function columnsOf(name: (typeof indirectTables)[number]): string[] {
  const table = Object.values(schema).find((v) => is(v, SQLiteTable) && getTableConfig(v).name === name) as SQLiteTable;
  return getTableConfig(table).columns.map((c) => c.name);
}

/** Every table with a `tenant_id` column, by name. */
export const tenantTables: readonly TenantTable[] = tablesWithTenantId();

/** What an export writes, table by table (retained and left-out tables excluded). */
export const exportedTables = tenantTables.filter((t) => !(t.name in leftOutOfExport));

/** What a deletion empties, table by table. */
export const deletedTables = tenantTables.filter((t) => !(t.name in retainedOnDelete));
