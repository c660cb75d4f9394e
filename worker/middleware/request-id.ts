import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context";
import { controlDb, hasShards } from "../db/shards";
import { unresolvedDb } from "../db/unresolved";
import { newId } from "../lib/ids";
import { systemClock } from "../lib/time";

/**
 * Per-request basics: id (echoed as X-Request-Id), database handles and clock. `controlDb` is the control database;
 * `db` is the tenant's shard, set by whatever finds the tenant (auth, or a public route from its public id). Until
 * then, with shards, `db` refuses every statement rather than read the control database where tenant data is not.
 */
export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const incoming = c.req.header("x-request-id");
  const requestId = incoming && /^[\w.-]{1,64}$/.test(incoming) ? incoming : newId("request");
  c.set("requestId", requestId);
  const control = controlDb(c.env);
  c.set("controlDb", control);
  c.set("db", hasShards(c.env) ? unresolvedDb : control);
  c.set("clock", systemClock);
  await next();
  c.header("X-Request-Id", requestId);
});
