import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt, json, ms } from "./columns";
import { emailTokenPurposes } from "./enums";

/** What a pending sign-up needs to create its workspace once its address is verified (no account exists before). */
export interface PendingSignup {
  /** The new account's name and password hash; null when the address already had an account (its own stay). */
  account: { name: string; hash: string; salt: string; iterations: number } | null;
  tenantName: string;
  tenantSlug: string;
  teamName: string;
  teamSlug: string;
}

/**
 * Links sent by e-mail (address verification of a sign-up, password reset). The link carries a random token; only
 * its SHA-256 is stored. Single use: `consumed_at` is set by one conditional UPDATE, so two uses at once apply once.
 * Not tenant-owned: an address and its account exist before (and across) tenants.
 */
export const emailTokens = sqliteTable(
  "email_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    purpose: text("purpose", { enum: emailTokenPurposes }).notNull(),
    email: text("email").notNull(),
    /** The account a reset is for; null for sign-ups. */
    userId: text("user_id"),
    signup: json<PendingSignup>("signup"),
    expiresAt: ms("expires_at").notNull(),
    consumedAt: ms("consumed_at"),
    createdAt: createdAt(),
  },
  (t) => [index("email_tokens_email").on(t.email, t.purpose), index("email_tokens_expires").on(t.expiresAt)],
);
