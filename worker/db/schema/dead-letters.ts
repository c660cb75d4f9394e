import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { json, ms, tenantId } from "./columns";

/** Queue messages that exhausted their retries, kept visible for the dashboard and redelivery. */
export const deadLetters = sqliteTable(
  "dead_letters",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    queue: text("queue").notNull(),
    messageId: text("message_id").notNull(),
    body: json<Record<string, unknown>>("body").notNull(),
    attempts: integer("attempts").notNull(),
    at: ms("at").notNull(),
    redeliveredAt: ms("redelivered_at"),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex("dead_letters_message").on(t.queue, t.messageId),
    index("dead_letters_at").on(t.tenantId, t.at),
  ],
);
