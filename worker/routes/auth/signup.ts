import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { createSignup, findTenantBySlug, findUserByEmail } from "../../db/repo/accounts";
import { ApiError } from "../../lib/errors";
import { hashPassword } from "../../lib/password";
import { clientIp } from "../../lib/request";
import { startSession } from "../../lib/session-response";
import { slugify } from "../../lib/slug";
import { enforceRateLimit } from "../../middleware/rate-limit";
import { errors, jsonBody, jsonResponse, send } from "../shared";
import { Email, Password, SessionOut } from "./schemas";

const SignupBody = z
  .strictObject({
    email: Email,
    password: Password,
    name: z.string().trim().min(1).max(120),
    tenant_name: z.string().trim().min(2).max(120),
    tenant_slug: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/, "lowercase letters, digits and dashes")
      .optional()
      .openapi({ description: "Defaults to a slug of tenant_name" }),
    team_name: z.string().trim().min(2).max(80).optional().openapi({ description: "First team; defaults to \"Data platform\"" }),
  })
  .openapi("SignupRequest");

export const route = createRoute({
  method: "post",
  path: "/auth/signup",
  tags: ["auth"],
  summary: "Sign up: creates a user, a tenant, its first team, and a session",
  request: jsonBody(SignupBody),
  responses: { 201: jsonResponse(SessionOut, "Signed up and signed in"), ...errors(400, 409, 429) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const limit = Number(c.env.RATE_LIMIT_SIGNUP_PER_HOUR ?? 20);
    await enforceRateLimit(c, `signup:${clientIp(c) ?? "unknown"}`, limit, 3_600_000);
    const tenantSlug = body.tenant_slug ?? slugify(body.tenant_name);
    if (tenantSlug.length < 2) throw new ApiError("validation_failed", "tenant_name: needs at least two letters or digits", [{ path: "tenant_name", message: "needs at least two letters or digits" }]);
    if (await findUserByEmail(c.get("db"), body.email)) {
      throw new ApiError("conflict", "email: an account with this e-mail already exists; sign in instead", [{ path: "email", message: "already registered" }]);
    }
    if (await findTenantBySlug(c.get("db"), tenantSlug)) {
      throw new ApiError("conflict", `tenant_slug: "${tenantSlug}" is taken`, [{ path: body.tenant_slug ? "tenant_slug" : "tenant_name", message: `slug "${tenantSlug}" is taken` }]);
    }
    const teamName = body.team_name ?? "Data platform";
    const password = await hashPassword(body.password);
    const now = c.get("clock").now();
    const created = await createSignup(
      c.get("db"),
      { email: body.email, name: body.name, password, tenantName: body.tenant_name, tenantSlug, teamName, teamSlug: slugify(teamName) || "team", ip: clientIp(c), requestId: c.get("requestId") },
      now,
    ).catch((err: Error) => {
      // Two sign-ups racing for the same e-mail or slug: the unique index decides.
      if (/UNIQUE/i.test(String(err.message) + String((err as { cause?: Error }).cause?.message))) throw new ApiError("conflict", "e-mail or tenant slug was just taken");
      throw err;
    });
    const payload = await startSession(
      c,
      { id: created.userId, email: body.email, name: body.name },
      { id: created.tenantId, slug: tenantSlug, name: body.tenant_name, role: "owner" },
    );
    return send(c, 201, SessionOut, payload);
  });
}
