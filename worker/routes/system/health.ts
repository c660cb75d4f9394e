import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { databaseReachable } from "../../db/repo/platform/health";
import { allShardDbs } from "../../db/shards";
import { jsonResponse, send } from "../shared";

const HealthOut = z.object({ status: z.enum(["ok", "degraded"]), database: z.enum(["ok", "unreachable"]), time: z.string() }).openapi("Health");

export const route = createRoute({
  method: "get",
  path: "/health",
  tags: ["system"],
  summary: "Liveness and database reachability",
  responses: { 200: jsonResponse(HealthOut, "Service status"), 503: jsonResponse(HealthOut, "Database unreachable") },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    // The control database and every shard: a tenant whose shard does not answer cannot be served.
    const databases = [c.get("controlDb"), ...allShardDbs(c.env).map((s) => s.db)];
    const ok = (await Promise.all(databases.map(databaseReachable))).every(Boolean);
    const body = { status: ok ? "ok" : "degraded", database: ok ? "ok" : "unreachable", time: new Date(c.get("clock").now()).toISOString() } as const;
    return ok ? send(c, 200, HealthOut, body) : send(c, 503, HealthOut, body);
  });
}
