import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt, json, ms } from "./columns";

/** A person's passkey (WebAuthn credential) used as a second factor: its public key only, never a secret. */
export const userPasskeys = sqliteTable(
  "user_passkeys",
  {
    /** The credential id (base64url), unique across authenticators. */
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    name: text("name").notNull(),
    /** COSE public key, base64url. */
    publicKey: text("public_key").notNull(),
    /** The authenticator's signature counter; a counter that goes backwards marks a cloned authenticator. */
    counter: integer("counter").notNull(),
    transports: json<string[]>("transports").notNull(),
    createdAt: createdAt(),
    lastUsedAt: ms("last_used_at"),
  },
  (t) => [index("user_passkeys_user").on(t.userId)],
);
