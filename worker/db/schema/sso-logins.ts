import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt, ms, tenantId } from "./columns";

/**
 * A sign-in on its way through the provider: found by the SHA-256 of its `state`, used once (the callback deletes
 * it as it reads it) and only within ten minutes. The PKCE verifier and nonce are useless without the code the
 * provider sends to the browser that holds the state cookie.
 */
export const ssoLogins = sqliteTable(
  "sso_logins",
  {
    stateHash: text("state_hash").primaryKey(),
    tenantId: tenantId(),
    codeVerifier: text("code_verifier").notNull(),
    nonce: text("nonce").notNull(),
    returnTo: text("return_to").notNull(),
    expiresAt: ms("expires_at").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("sso_logins_expiry").on(t.expiresAt)],
);
