import { sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt } from "./columns";

export const tenants = sqliteTable("tenants", {
  id: text("id").primaryKey(),
  slug: text("slug").notNull().unique(),
  name: text("name").notNull(),
  createdAt: createdAt(),
});
