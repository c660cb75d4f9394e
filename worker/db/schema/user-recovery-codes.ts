import { primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt, ms } from "./columns";

/** One-time recovery codes, ten per person, stored as SHA-256 only; `used_at` marks one spent. */
export const userRecoveryCodes = sqliteTable(
  "user_recovery_codes",
  {
    userId: text("user_id").notNull(),
    codeHash: text("code_hash").notNull(),
    usedAt: ms("used_at"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.codeHash] })],
);
