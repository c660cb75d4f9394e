import { createRoute, z } from "@hono/zod-openapi";
import { signInPasskeyOptions } from "../../accounts/mfa/sign-in";
import type { Router } from "../../context";
import { errors, jsonBody, jsonResponse, send } from "../shared";
import { MfaToken } from "./schemas";

const Body = z.strictObject({ mfa_token: MfaToken }).openapi("MfaPasskeyOptionsRequest");

/** WebAuthn request options (PublicKeyCredentialRequestOptionsJSON) as the browser library takes them. */
export const PasskeyRequestOptions = z
  .object({ challenge: z.string(), rpId: z.string().optional(), timeout: z.number().optional(), allowCredentials: z.array(z.unknown()).optional() })
  .passthrough()
  .openapi("PasskeyRequestOptions");

export const route = createRoute({
  method: "post",
  path: "/auth/mfa/passkey-options",
  tags: ["auth"],
  summary: "Passkey options for the second step of a sign-in (for navigator.credentials.get)",
  description: "The challenge is kept with the pending sign-in and works once; asking again replaces it. 404 when the person has no passkey.",
  request: jsonBody(Body),
  responses: { 200: jsonResponse(PasskeyRequestOptions, "Options for the browser"), ...errors(400, 401, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { mfa_token } = c.req.valid("json");
    return send(c, 200, PasskeyRequestOptions, { ...(await signInPasskeyOptions(c, mfa_token)) });
  });
}
