import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { ms } from "./columns";

/**
 * Login attempts per account (e-mail) and per client address: after the free attempts each further one must wait
 * a doubling, capped delay (`next_at`). Not tenant-owned: an e-mail or address exists before any tenant.
 */
export const loginThrottle = sqliteTable("login_throttle", {
  key: text("key").primaryKey(),
  attempts: integer("attempts").notNull(),
  nextAt: ms("next_at").notNull(),
  lastAt: ms("last_at").notNull(),
});
