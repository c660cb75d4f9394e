import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { createSignup, findTenantBySlug, findUserByEmail } from "../../db/repo/accounts/users";
import { isUniqueViolation } from "../../db/unique";
import { ApiError, conflict } from "../../lib/errors";
import { checkAccountPassword, hashPassword, newHashIterations } from "../../lib/password";
import { clientIp } from "../../lib/request";
import { startSession } from "../../lib/session-response";
import { slugify } from "../../lib/slug";
import { chargePasswordAttempt } from "../../middleware/login-throttle";
import { enforceRateLimit } from "../../middleware/rate-limit";
import { errors, jsonBody, jsonResponse, send } from "../shared";
import { Email, Password, SessionOut } from "./schemas";

const SignupBody = z
  .strictObject({
    email: Email,
    password: Password,
    name: z.string().trim().min(1).max(120).openapi({ description: "Your name; an existing account keeps its own" }),
    tenant_name: z.string().trim().min(2).max(120),
    tenant_slug: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/, "lowercase letters, digits and dashes")
      .optional()
      .openapi({ description: "Defaults to a slug of tenant_name" }),
    team_name: z.string().trim().min(2).max(80).optional().openapi({ description: 'First team; defaults to "Data platform"' }),
  })
  .openapi("SignupRequest");

export const route = createRoute({
  method: "post",
  path: "/auth/signup",
  tags: ["auth"],
  summary: "Sign up: creates a workspace (tenant), its first team, the account when new, and a session",
  description:
    "An e-mail that already has an account is not refused as taken: with that account's password the new workspace is " +
    "created for it and it is signed in, exactly as for a new e-mail; with another password the answer is login's " +
    '401 "wrong e-mail or password". Password attempts count against the same per-account and per-address limits ' +
    "as login (429 with Retry-After). See docs/security.md.",
  request: jsonBody(SignupBody),
  responses: { 201: jsonResponse(SessionOut, "Signed up and signed in"), ...errors(400, 401, 409, 429) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const limit = Number(c.env.RATE_LIMIT_SIGNUP_PER_HOUR ?? 20);
    await enforceRateLimit(c, `signup:${clientIp(c) ?? "unknown"}`, limit, 3_600_000);
    const tenantSlug = body.tenant_slug ?? slugify(body.tenant_name);
    if (tenantSlug.length < 2)
      throw new ApiError("validation_failed", "tenant_name: needs at least two letters or digits", [
        { path: "tenant_name", message: "needs at least two letters or digits" },
      ]);
    const slugTaken = () =>
      conflict(`tenant_slug: "${tenantSlug}" is taken`, [{ path: body.tenant_slug ? "tenant_slug" : "tenant_name", message: `slug "${tenantSlug}" is taken` }]);
    const db = c.get("db");
    if (await findTenantBySlug(db, tenantSlug)) throw slugTaken();
    const attempt = await chargePasswordAttempt(c, body.email);
    const existing = await findUserByEmail(db, body.email);
    // Either branch does one PBKDF2 derivation, so the time taken does not tell them apart either.
    let account: { userId: null; name: string; password: Awaited<ReturnType<typeof hashPassword>> } | { userId: string };
    if (existing) {
      if (!(await checkAccountPassword(body.password, existing))) throw new ApiError("unauthorized", "wrong e-mail or password");
      account = { userId: existing.id };
    } else {
      account = { userId: null, name: body.name, password: await hashPassword(body.password, newHashIterations(c.env)) };
    }
    const teamName = body.team_name ?? "Data platform";
    const created = await createSignup(
      db,
      {
        email: body.email,
        account,
        tenantName: body.tenant_name,
        tenantSlug,
        teamName,
        teamSlug: slugify(teamName) || "team",
        ip: clientIp(c),
        requestId: c.get("requestId"),
      },
      c.get("clock").now(),
    ).catch((err: unknown) => {
      // Two sign-ups racing for the same slug (or a new e-mail): the unique index decides.
      if (isUniqueViolation(err)) throw conflict("the workspace slug or e-mail was just taken; try again");
      throw err;
    });
    await attempt.succeeded();
    const user = existing ? { id: existing.id, email: existing.email, name: existing.name } : { id: created.userId, email: body.email, name: body.name };
    const payload = await startSession(c, user, { id: created.tenantId, slug: tenantSlug, name: body.tenant_name, role: "owner" });
    return send(c, 201, SessionOut, payload);
  });
}
