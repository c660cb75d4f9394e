import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { Envelope } from "../../lib/envelope";
import { createdAt, json, ms, tenantId } from "./columns";
import { tenantRoles } from "./enums";

/**
 * A tenant's single sign-on: its OpenID provider, the role a person provisioned at sign-in gets, whether password
 * sign-in is off for everyone but owners, and the SCIM token (its SHA-256 only). The client secret is sealed like a
 * connection secret (aad `sso/<tenant>/client_secret`) and never returned.
 */
export const ssoConfigs = sqliteTable(
  "sso_configs",
  {
    tenantId: tenantId(),
    issuer: text("issuer"),
    clientId: text("client_id"),
    clientSecret: json<Envelope>("client_secret"),
    defaultRole: text("default_role", { enum: tenantRoles }).notNull().default("member"),
    groupsClaim: text("groups_claim").notNull().default("groups"),
    enforced: integer("enforced", { mode: "boolean" }).notNull().default(false),
    scimTokenHash: text("scim_token_hash"),
    scimTokenPrefix: text("scim_token_prefix"),
    scimTokenCreatedAt: ms("scim_token_created_at"),
    createdAt: createdAt(),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId] })],
);
