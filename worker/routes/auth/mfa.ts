import { createRoute, z } from "@hono/zod-openapi";
import { completeSignIn, type SecondFactorProof } from "../../accounts/mfa/sign-in";
import type { Router } from "../../context";
import { startSession } from "../../lib/session-response";
import { errors, jsonBody, jsonResponse, send } from "../shared";
import { PasskeyAssertion, RecoveryCode, TotpCode } from "../mfa/schemas";
import { MfaToken, SessionOut } from "./schemas";

const MfaBody = z
  .strictObject({ mfa_token: MfaToken, code: TotpCode.optional(), recovery_code: RecoveryCode.optional(), passkey: PasskeyAssertion.optional() })
  .refine((b) => [b.code, b.recovery_code, b.passkey].filter((x) => x !== undefined).length === 1, {
    message: "send exactly one of code, recovery_code, passkey",
    path: ["code"],
  })
  .openapi("MfaSignInRequest");

export const route = createRoute({
  method: "post",
  path: "/auth/mfa",
  tags: ["auth"],
  summary: "Second step of a password sign-in: an authenticator code, a recovery code or a passkey; sets the session cookie",
  description:
    "The `mfa_token` from POST /auth/login works once and for five minutes. A code is accepted once (also when two copies " +
    "arrive together); a recovery code once ever. Attempts are throttled per person and address like passwords (429 with " +
    "Retry-After); after five wrong answers the pending sign-in ends and the password must be given again. For a passkey, " +
    "ask POST /auth/mfa/passkey-options first.",
  request: jsonBody(MfaBody),
  responses: { 200: jsonResponse(SessionOut, "Signed in"), ...errors(400, 401, 403, 429) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const proof: SecondFactorProof =
      body.code !== undefined
        ? { code: body.code }
        : body.recovery_code !== undefined
          ? { recovery_code: body.recovery_code }
          : { passkey: body.passkey as never };
    const { user, tenant } = await completeSignIn(c, body.mfa_token, proof);
    return send(c, 200, SessionOut, await startSession(c, user, tenant));
  });
}
