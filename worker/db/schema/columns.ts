import { integer, text } from "drizzle-orm/sqlite-core";

/** Epoch milliseconds; every timestamp in D1 uses this one representation. */
export const ms = (name: string) => integer(name, { mode: "number" });
export const createdAt = () => ms("created_at").notNull();
export const tenantId = () => text("tenant_id").notNull();
export const json = <T>(name: string) => text(name, { mode: "json" }).$type<T>();
