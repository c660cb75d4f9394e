import { createDb, type Db } from "./client";

/**
 * The `db` of a request that has not found its tenant yet (middleware/request-id.ts): every statement fails loudly,
 * where the control database would quietly answer "nothing" for tenant tables.
 */
const refusing = new Proxy({} as D1Database, {
  get() {
    return () => {
      throw new Error("this request has not resolved its tenant's shard: use controlDb, or resolve the tenant first (worker/db/shards.ts)");
    };
  },
});

export const unresolvedDb: Db = createDb(refusing);
