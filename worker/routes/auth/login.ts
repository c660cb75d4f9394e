import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { findUserByEmail, membershipsOf } from "../../db/repo/accounts";
import { ApiError } from "../../lib/errors";
import { verifyPassword } from "../../lib/password";
import { clientIp } from "../../lib/request";
import { startSession } from "../../lib/session-response";
import { enforceRateLimit } from "../../middleware/rate-limit";
import { errors, jsonBody, jsonResponse, send } from "../shared";
import { Email, SessionOut } from "./schemas";

const LoginBody = z
  .strictObject({
    email: Email,
    password: z.string().min(1).max(200),
    tenant: z.string().max(64).optional().openapi({ description: "Tenant slug, for users in several tenants; defaults to the first" }),
  })
  .openapi("LoginRequest");

export const route = createRoute({
  method: "post",
  path: "/auth/login",
  tags: ["auth"],
  summary: "Sign in with e-mail and password; sets the session cookie",
  request: jsonBody(LoginBody),
  responses: { 200: jsonResponse(SessionOut, "Signed in"), ...errors(400, 401, 429) },
});

const WINDOW = 15 * 60_000;

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const limit = Number(c.env.RATE_LIMIT_LOGIN_PER_15MIN ?? 10);
    // Per address and per account, so neither a sprayer nor a targeted guesser gets far.
    await enforceRateLimit(c, `login:ip:${clientIp(c) ?? "unknown"}`, limit * 5, WINDOW);
    await enforceRateLimit(c, `login:email:${body.email}`, limit, WINDOW);
    const db = c.get("db");
    const user = await findUserByEmail(db, body.email);
    const ok = user
      ? await verifyPassword(body.password, { hash: user.passwordHash, salt: user.passwordSalt, iterations: user.passwordIterations })
      : false;
    if (!user || !ok) throw new ApiError("unauthorized", "wrong e-mail or password");
    const memberships = await membershipsOf(db, user.id);
    const tenant = body.tenant ? memberships.find((m) => m.slug === body.tenant) : memberships[0];
    if (!tenant) throw new ApiError("unauthorized", "you are not a member of that tenant");
    const payload = await startSession(c, user, { id: tenant.tenantId, slug: tenant.slug, name: tenant.name, role: tenant.role });
    return send(c, 200, SessionOut, payload);
  });
}
