/**
 * Which database each table lives on once tenants are spread over shards (worker/db/shards.ts, docs/architecture.md).
 * Every database gets the same migrations, so every table exists everywhere; this list says where rows may be.
 *
 * The control database holds identity and routing: whatever must be read before the tenant (and so its shard) is
 * known — a session or token by its hash, a user by e-mail, an invitation or sign-up link by its token, an SSO domain
 * or sign-in state, a SCIM token — and a person's credentials, which are shared by every workspace they belong to.
 * Everything else is the tenant's data and lives on the tenant's shard.
 */
export const controlTables: Readonly<Record<string, string>> = {
  tenants: "the tenants themselves and the tenant → shard map",
  users: "people, found by e-mail at sign-in and sign-up; one account serves every workspace it belongs to",
  tenant_members: "who belongs to which workspace with what role, read by every credential check",
  sessions: "found by the hash of the cookie before the tenant is known",
  api_tokens: "found by the hash of the token before the tenant is known",
  user_totp: "a person's second factor, used for every workspace",
  user_recovery_codes: "a person's second factor, used for every workspace",
  user_passkeys: "a person's second factor, used for every workspace",
  mfa_challenges: "second steps of a sign-in, before a session exists",
  login_throttle: "keyed by e-mail or client address",
  rate_limits: "keyed by client address or e-mail",
  email_tokens: "sign-up and password-reset links, before any workspace exists",
  dev_outbox: "mail captured in local development",
  tenant_deletions: "the record of a deletion outlives the tenant's rows on its shard",
  public_ids: "which tenant a webhook's or status page's id belongs to, read by a public route before the tenant is known",
  tenant_imports: "an import's position and chosen shard, read before the tenant row (written last) names the shard",
  tenant_moves: "a move between shards: the write lock read with every credential, and where the copy stopped",
  invitations: "found by the hash of the link's token by someone who is not yet a member",
  sso_configs: "found by the hash of a SCIM token, and by workspace slug at sign-in",
  sso_domains: "found by an e-mail's domain at sign-in, before the workspace is known",
  sso_logins: "sign-in state found by the provider's callback",
  sso_identities: "a person's identity at the provider, matched at sign-in before a session exists",
  sso_group_mappings: "read with the identity at sign-in",
  scim_users: "provisioned people, tied to users and tenant_members",
  scim_groups: "provisioned groups, read with the SCIM users",
  scim_group_members: "provisioned group membership, read with the SCIM users",
};

export type DbSide = "control" | "shard";

export const sideOf = (table: string): DbSide => (table in controlTables ? "control" : "shard");

/**
 * The tables a statement names, from the words after FROM, JOIN, INTO, UPDATE and TABLE. drizzle quotes every
 * identifier; hand-written SQL (worker/db/statements.ts, bulk writes) may not.
 */
export function tablesNamed(sql: string): string[] {
  const out = new Set<string>();
  for (const m of sql.matchAll(/\b(?:from|join|into|update|table)\s+[`"]?([a-z_][a-z0-9_]*)[`"]?/gi)) out.add(m[1].toLowerCase());
  return [...out];
}

/** The first table a statement names that does not belong on a database of this side, or null. */
export function wrongSideTable(sql: string, side: DbSide, known: ReadonlySet<string>): string | null {
  for (const table of tablesNamed(sql)) if (known.has(table) && sideOf(table) !== side) return table;
  return null;
}
