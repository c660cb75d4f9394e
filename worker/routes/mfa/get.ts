import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { factorSummary } from "../../db/repo/accounts/mfa-factors";
import { mfaRequired } from "../../db/repo/accounts/mfa-policy";
import { userAndTenant } from "../../db/repo/accounts/users";
import { hasPassword } from "../../lib/password";
import { requireSignedInUser } from "../../lib/principal";
import { bearerSecurity, errors, isoOrNull, jsonResponse, send } from "../shared";
import { PasskeyOut } from "./schemas";

const MfaOut = z
  .object({
    totp: z.enum(["off", "pending", "on"]).openapi({ description: "Authenticator app: none, set up but not yet confirmed, in use" }),
    passkeys: z.array(PasskeyOut),
    recovery_codes_left: z.number().int(),
    has_password: z.boolean().openapi({
      description: "Whether your account has a password; without one (single sign-on) changes are confirmed with a code, a passkey or a recovery code",
    }),
    required_by_workspace: z.boolean().openapi({ description: "Whether this workspace requires a second factor of password sign-ins" }),
  })
  .openapi("MfaStatus");

export const route = createRoute({
  method: "get",
  path: "/me/mfa",
  tags: ["mfa"],
  summary: "Your second factors (they are your account's: the same in every workspace you belong to)",
  security: bearerSecurity,
  responses: { 200: jsonResponse(MfaOut, "Your factors"), ...errors(401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireSignedInUser(p, "managing second factors");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const [f, required, { user }] = await Promise.all([factorSummary(c.get("controlDb"), p.userId), mfaRequired(ctx), userAndTenant(ctx, p.userId)]);
    return send(c, 200, MfaOut, {
      totp: f.totp ? "on" : f.totpPending ? "pending" : "off",
      passkeys: f.passkeys.map((k) => ({ id: k.id, name: k.name, created_at: new Date(k.createdAt).toISOString(), last_used_at: isoOrNull(k.lastUsedAt) })),
      recovery_codes_left: f.recoveryCodesLeft,
      has_password: user != null && hasPassword(user),
      required_by_workspace: required,
    });
  });
}
