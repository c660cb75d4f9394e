import { createRoute } from "@hono/zod-openapi";
import { reauthenticate, regenerateRecoveryCodes } from "../../accounts/mfa/manage";
import type { Router } from "../../context";
import { requireSignedInUser } from "../../lib/principal";
import { withholdFromReplay } from "../../middleware/idempotency";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { ReauthBody, RecoveryCodesOut, reauthProof } from "./schemas";

export const route = createRoute({
  method: "post",
  path: "/me/mfa/recovery-codes",
  tags: ["mfa"],
  summary: "Ten new recovery codes, replacing the old ones (needs your password, or a code, recovery code or passkey)",
  security: bearerSecurity,
  request: jsonBody(ReauthBody),
  responses: { 200: jsonResponse(RecoveryCodesOut, "New codes, shown this once"), ...errors(400, 401, 403, 409, 429) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireSignedInUser(p, "managing second factors");
    withholdFromReplay(c, "recovery codes were made with this Idempotency-Key; they are shown only once: make new ones");
    await reauthenticate(c, p.userId, reauthProof(c.req.valid("json")));
    return send(c, 200, RecoveryCodesOut, { recovery_codes: await regenerateRecoveryCodes(c, p.userId) });
  });
}
