import { primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, tenantId } from "./columns";

/**
 * E-mail domains that send a sign-in to the tenant's provider. A domain belongs to at most one tenant; how one is
 * proven is in docs/sso.md (the owner adding it has a proven address there).
 */
export const ssoDomains = sqliteTable(
  "sso_domains",
  {
    tenantId: tenantId(),
    domain: text("domain").notNull(),
    verifiedBy: text("verified_by").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.domain] }), uniqueIndex("sso_domains_domain").on(t.domain)],
);
