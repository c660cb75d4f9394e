import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt, json, ms } from "./columns";
import type { Envelope } from "../../lib/envelope";

/**
 * A person's authenticator-app secret (RFC 6238), one per account: factors belong to the person, in every workspace
 * they are a member of. The secret is sealed like every stored secret (AAD `mfa/<user>/totp`). Unconfirmed until the
 * first valid code; `last_step` is the last 30-second step whose code was accepted, so no code (nor an earlier one)
 * is accepted twice.
 */
export const userTotp = sqliteTable("user_totp", {
  userId: text("user_id").primaryKey(),
  secret: json<Envelope>("secret").notNull(),
  confirmedAt: ms("confirmed_at"),
  lastStep: integer("last_step"),
  createdAt: createdAt(),
});
