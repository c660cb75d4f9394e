import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt } from "./columns";

/**
 * Mails captured instead of sent, in local development and the test suites only (worker/mail/send.ts): the
 * dashboard's dev mailbox (/dev/mail) shows them, and the tests read their links from here.
 */
export const devOutbox = sqliteTable(
  "dev_outbox",
  {
    id: text("id").primaryKey(),
    to: text("to").notNull(),
    subject: text("subject").notNull(),
    text: text("text").notNull(),
    html: text("html").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("dev_outbox_to").on(t.to, t.createdAt)],
);
