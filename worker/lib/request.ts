import type { Context } from "hono";
import type { AppEnv } from "../context";
import type { AuditSource } from "../db/repo/platform/audit";
import { logger, type Logger } from "./log";

export const clientIp = (c: Context<AppEnv>) => c.req.header("cf-connecting-ip") ?? c.req.header("x-forwarded-for")?.split(",")[0]?.trim() ?? null;

/** The request's logger: its lines carry the request id and, once a principal is resolved, the tenant id. */
export function requestLog(c: Context<AppEnv>): Logger {
  return logger({ requestId: c.get("requestId"), tenantId: c.get("principal")?.tenantId });
}

/** Who/where/when of the current request, for audit entries. */
export function auditSource(c: Context<AppEnv>): AuditSource {
  return { principal: c.get("principal"), ip: clientIp(c), requestId: c.get("requestId"), now: c.get("clock").now() };
}

/** Where links Tutti hands out point: APP_URL when set, else the origin this request came to. */
export const appOrigin = (c: Context<AppEnv>) => (c.env.APP_URL || new URL(c.req.url).origin).replace(/\/+$/, "");
