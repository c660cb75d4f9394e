import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Db = DrizzleD1Database<typeof schema>;

/** The tenant context every repository function takes first: nothing tenant-owned is read or written without it. */
export interface TenantCtx {
  db: Db;
  tenantId: string;
}

/**
 * One drizzle instance per D1 binding and isolate: building one walks the whole schema (most of a millisecond of
 * CPU per request), and it holds nothing of a request's own, only the binding.
 */
const instances = new WeakMap<D1Database, Db>();

export function createDb(d1: D1Database): Db {
  let db = instances.get(d1);
  if (!db) {
    db = drizzle(d1, { schema });
    instances.set(d1, db);
  }
  return db;
}

export const tenantCtx = (db: Db, tenantId: string): TenantCtx => ({ db, tenantId });
