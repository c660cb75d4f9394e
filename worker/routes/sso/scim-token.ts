import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { setScimToken } from "../../db/repo/sso/config";
import { sha256Hex } from "../../lib/hash";
import { randomString } from "../../lib/ids";
import { auditSource } from "../../lib/request";
import { withholdFromReplay } from "../../middleware/idempotency";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { currentSettings } from "./load";
import { requireOwnerSession, SsoSettingsOut } from "./schemas";

/** `scim_` + 40 characters of [0-9a-z] ≈ 206 bits; the prefix shown later keeps 6 of them. */
const SCIM_TOKEN_HEAD = "scim_";

const CreatedScimToken = z
  .object({ token: z.string().openapi({ description: "Shown once: paste it into the provider's provisioning settings" }), settings: SsoSettingsOut })
  .openapi("CreatedScimToken");

export const rotateRoute = createRoute({
  method: "post",
  path: "/sso/scim-token",
  tags: ["sso"],
  summary: "Create or rotate the workspace's SCIM token (owners, signed in)",
  description: "The previous token stops working at once. Only the token's SHA-256 is stored; it is shown once.",
  security: bearerSecurity,
  responses: { 201: jsonResponse(CreatedScimToken, "The new token, shown once"), ...errors(401, 403) },
});

export const revokeRoute = createRoute({
  method: "delete",
  path: "/sso/scim-token",
  tags: ["sso"],
  summary: "Revoke the SCIM token: provisioning stops until a new one is created (owners, signed in)",
  security: bearerSecurity,
  responses: { 200: jsonResponse(SsoSettingsOut, "Settings without a SCIM token"), ...errors(401, 403) },
});

export function register(app: Router) {
  app.openapi(rotateRoute, async (c) => {
    const p = c.get("principal");
    requireOwnerSession(p);
    const token = SCIM_TOKEN_HEAD + randomString(40);
    await setScimToken(tenantCtx(c.get("db"), p.tenantId, c.get("controlDb")), auditSource(c), {
      hash: await sha256Hex(token),
      prefix: token.slice(0, SCIM_TOKEN_HEAD.length + 6),
    });
    withholdFromReplay(c, "this Idempotency-Key already created a SCIM token; it was shown only once — rotate again if it was lost");
    return send(c, 201, CreatedScimToken, { token, settings: await currentSettings(c) });
  });

  app.openapi(revokeRoute, async (c) => {
    const p = c.get("principal");
    requireOwnerSession(p);
    await setScimToken(tenantCtx(c.get("db"), p.tenantId, c.get("controlDb")), auditSource(c), null);
    return send(c, 200, SsoSettingsOut, await currentSettings(c));
  });
}
