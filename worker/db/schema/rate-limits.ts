import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Fixed-window counters for sign-up and login (keyed by IP or e-mail). */
export const rateLimits = sqliteTable("rate_limits", {
  key: text("key").primaryKey(),
  windowStart: integer("window_start").notNull(),
  count: integer("count").notNull(),
});
