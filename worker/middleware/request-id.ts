import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context";
import { createDb } from "../db/client";
import { newId } from "../lib/ids";
import { systemClock } from "../lib/time";

/** Per-request basics: id (echoed as X-Request-Id), database handle and clock. */
export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const incoming = c.req.header("x-request-id");
  const requestId = incoming && /^[\w.-]{1,64}$/.test(incoming) ? incoming : newId("request");
  c.set("requestId", requestId);
  c.set("db", createDb(c.env.DB));
  c.set("clock", systemClock);
  await next();
  c.header("X-Request-Id", requestId);
});
