import { sql } from "drizzle-orm";
import type { Db } from "../../client";

/** Whether D1 answers at all: the health check's one query, not tenant-scoped because it reads no table. */
export async function databaseReachable(db: Db): Promise<boolean> {
  return db.run(sql`SELECT 1`).then(
    () => true,
    () => false,
  );
}
