import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Db = DrizzleD1Database<typeof schema>;

/** The tenant context every repository function takes first: nothing tenant-owned is read or written without it. */
export interface TenantCtx {
  db: Db;
  tenantId: string;
}

export function createDb(d1: D1Database): Db {
  return drizzle(d1, { schema });
}

export const tenantCtx = (db: Db, tenantId: string): TenantCtx => ({ db, tenantId });
