import { index, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt, ms, tenantId } from "./columns";

/** A person's account at the tenant's provider: keyed by issuer and subject, never by e-mail (OIDC Core §5.7). */
export const ssoIdentities = sqliteTable(
  "sso_identities",
  {
    tenantId: tenantId(),
    issuer: text("issuer").notNull(),
    subject: text("subject").notNull(),
    userId: text("user_id").notNull(),
    createdAt: createdAt(),
    lastSignInAt: ms("last_sign_in_at"),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.issuer, t.subject] }), index("sso_identities_user").on(t.tenantId, t.userId)],
);
