import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { hasSecondFactor } from "../../db/repo/accounts/mfa-factors";
import { mfaRequired, setMfaRequired } from "../../db/repo/accounts/mfa-policy";
import { ApiError, conflict } from "../../lib/errors";
import { requireScope, requireSignedInUser } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";

const MfaPolicyOut = z
  .object({
    required: z.boolean().openapi({
      description: "Members signing in with a password must have a second factor before using the workspace; SSO sign-ins and API tokens are exempt",
    }),
  })
  .openapi("MfaPolicy");

const MfaPolicyBody = z.strictObject({ required: z.boolean() }).openapi("UpdateMfaPolicyRequest");

export const getRoute = createRoute({
  method: "get",
  path: "/workspace/mfa",
  tags: ["workspace"],
  summary: "Whether the workspace requires multi-factor authentication",
  security: bearerSecurity,
  responses: { 200: jsonResponse(MfaPolicyOut, "The policy"), ...errors(401, 403) },
});

export const updateRoute = createRoute({
  method: "put",
  path: "/workspace/mfa",
  tags: ["workspace"],
  summary: "Require multi-factor authentication of members (owners, signed in)",
  description:
    "While required, a member whose session came from a password and who has no second factor gets 403 `mfa_required` " +
    "from every API call except /me and /me/mfa… until they set one up. An owner signed in with a password must have a " +
    "second factor before requiring one (409), so the change cannot lock them into set-up.",
  security: bearerSecurity,
  request: jsonBody(MfaPolicyBody),
  responses: { 200: jsonResponse(MfaPolicyOut, "The policy in force"), ...errors(400, 401, 403, 409, 413, 415) },
});

export function register(app: Router) {
  app.openapi(getRoute, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    return send(c, 200, MfaPolicyOut, { required: await mfaRequired(tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"))) });
  });
  app.openapi(updateRoute, async (c) => {
    const p = c.get("principal");
    requireSignedInUser(p, "changing the sign-in policy");
    if (p.role !== "owner") throw new ApiError("forbidden", "only workspace owners can require multi-factor authentication");
    const { required } = c.req.valid("json");
    if (required && c.get("sessionAuthMethod") === "password" && !(await hasSecondFactor(c.get("controlDb"), p.userId)))
      throw conflict("set up a second factor for yourself first (Settings → Your account)");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    await setMfaRequired(ctx, auditSource(c), required);
    return send(c, 200, MfaPolicyOut, { required });
  });
}
