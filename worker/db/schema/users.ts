import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt, ms } from "./columns";

export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  email: text("email").notNull().unique(),
  name: text("name").notNull(),
  passwordHash: text("password_hash").notNull(),
  passwordSalt: text("password_salt").notNull(),
  passwordIterations: integer("password_iterations").notNull(),
  /**
   * When the person last proved the address by using a link mailed only to it (sign-up, password reset). Invitation
   * links do not count: the admin who invited them saw the link too. Null for accounts that never did.
   */
  emailVerifiedAt: ms("email_verified_at"),
  createdAt: createdAt(),
});
