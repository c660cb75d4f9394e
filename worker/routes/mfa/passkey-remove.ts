import { createRoute, z } from "@hono/zod-openapi";
import { reauthenticate, removePasskey } from "../../accounts/mfa/manage";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { getPasskey, isTenantMembersPasskey } from "../../db/repo/accounts/mfa-factors";
import { notFound } from "../../lib/errors";
import { requireSignedInUser } from "../../lib/principal";
import { bearerSecurity, errors, jsonBody } from "../shared";
import { ReauthBody, reauthProof } from "./schemas";

export const route = createRoute({
  method: "delete",
  path: "/me/mfa/passkeys/{id}",
  tags: ["mfa"],
  summary: "Remove one of your passkeys (needs your password, or a code, recovery code or passkey)",
  security: bearerSecurity,
  request: { params: z.object({ id: z.string().min(1).max(1024) }), ...jsonBody(ReauthBody) },
  responses: { 204: { description: "Removed" }, ...errors(400, 401, 403, 404, 429) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    const { id } = c.req.valid("param");
    // A token cannot manage factors (403), but another tenant's passkey does not exist for it (404); for a person,
    // only their own passkeys exist.
    if (p.actor.type === "token" && !(await isTenantMembersPasskey(tenantCtx(c.get("db"), p.tenantId, c.get("controlDb")), id))) throw notFound("passkey");
    requireSignedInUser(p, "managing second factors");
    if (!(await getPasskey(c.get("controlDb"), p.userId, id))) throw notFound("passkey");
    await reauthenticate(c, p.userId, reauthProof(c.req.valid("json")));
    await removePasskey(c, p.userId, id);
    return c.body(null, 204);
  });
}
