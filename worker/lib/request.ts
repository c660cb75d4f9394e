import type { Context } from "hono";
import type { AppEnv } from "../context";
import type { AuditSource } from "../db/repo/platform/audit";
import { errorFields, logger, type Logger } from "./log";

export const clientIp = (c: Context<AppEnv>) => c.req.header("cf-connecting-ip") ?? c.req.header("x-forwarded-for")?.split(",")[0]?.trim() ?? null;

/** The request's logger: its lines carry the request id and, once a principal is resolved, the tenant id. */
export function requestLog(c: Context<AppEnv>): Logger {
  return logger({ requestId: c.get("requestId"), tenantId: c.get("principal")?.tenantId });
}

/**
 * Runs `work` after the response is sent (waitUntil); a failure is logged, since nobody is waiting for it. For work
 * the answer must not wait for: what it does may depend on what the answer must not tell (whether an address has
 * an account), or it may simply take long.
 */
export function afterResponse(c: Context<AppEnv>, what: string, work: () => Promise<unknown>) {
  c.executionCtx.waitUntil(work().catch((err) => requestLog(c).error(`${what} failed`, errorFields(err))));
}

/** Who/where/when of the current request, for audit entries. */
export function auditSource(c: Context<AppEnv>): AuditSource {
  return { principal: c.get("principal"), ip: clientIp(c), requestId: c.get("requestId"), now: c.get("clock").now() };
}

/** Where links Tutti hands out point: APP_URL when set, else the origin this request came to. */
export const appOrigin = (c: Context<AppEnv>) => (c.env.APP_URL || new URL(c.req.url).origin).replace(/\/+$/, "");
