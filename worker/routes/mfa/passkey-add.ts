import { createRoute, z } from "@hono/zod-openapi";
import type { RegistrationResponseJSON } from "@simplewebauthn/server";
import { finishRegistration, relyingParty } from "../../accounts/mfa/passkeys";
import { shardOf } from "../../lib/tenant-shard";
import type { Router } from "../../context";
import { requireSignedInUser } from "../../lib/principal";
import { withholdFromReplay } from "../../middleware/idempotency";
import { appOrigin, auditSource } from "../../lib/request";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";

/** A WebAuthn attestation as @simplewebauthn/browser's startRegistration returns it (RegistrationResponseJSON). */
const PasskeyAttestation = z
  .object({
    id: z.string().min(1).max(1024),
    rawId: z.string().min(1).max(1024),
    type: z.literal("public-key"),
    response: z.object({ clientDataJSON: z.string().max(8192), attestationObject: z.string().max(65536) }).passthrough(),
    clientExtensionResults: z.record(z.string(), z.unknown()),
    authenticatorAttachment: z.string().max(32).optional(),
  })
  .openapi("PasskeyAttestation");

const AddBody = z
  .strictObject({ name: z.string().trim().min(1).max(80).openapi({ description: "Yours to recognise it by, e.g. “Laptop”" }), response: PasskeyAttestation })
  .openapi("AddPasskeyRequest");

const AddedOut = z
  .object({
    id: z.string(),
    recovery_codes: z.array(z.string()).nullable().openapi({ description: "Your first recovery codes, shown this once; null when you had some already" }),
  })
  .openapi("PasskeyAdded");

export const route = createRoute({
  method: "post",
  path: "/me/mfa/passkeys",
  tags: ["mfa"],
  summary: "Finish registering a passkey as a second factor",
  security: bearerSecurity,
  request: jsonBody(AddBody),
  responses: { 201: jsonResponse(AddedOut, "Registered"), ...errors(400, 401, 403, 409) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireSignedInUser(p, "managing second factors");
    const body = c.req.valid("json");
    withholdFromReplay(c, "a passkey was registered with this Idempotency-Key; recovery codes are shown only once");
    const done = await finishRegistration(
      c.get("controlDb"),
      shardOf(c),
      relyingParty(appOrigin(c)),
      auditSource(c),
      p.userId,
      body.name,
      body.response as unknown as RegistrationResponseJSON,
    );
    return send(c, 201, AddedOut, { id: done.id, recovery_codes: done.recoveryCodes });
  });
}
