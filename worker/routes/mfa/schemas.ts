import { z } from "@hono/zod-openapi";
import type { AuthenticationResponseJSON } from "@simplewebauthn/server";
import type { Reauthentication } from "../../accounts/mfa/manage";
import { timestamp } from "../shared";

export const TotpCode = z
  .string()
  .regex(/^\d{6}$/, "six digits")
  .openapi({ description: "The code your authenticator app shows now" });

export const RecoveryCode = z.string().trim().min(10).max(20).openapi({ description: "One of your recovery codes (`xxxxx-xxxxx`); each works once" });

/** A WebAuthn assertion as @simplewebauthn/browser's startAuthentication returns it (AuthenticationResponseJSON). */
export const PasskeyAssertion = z
  .object({
    id: z.string().min(1).max(1024),
    rawId: z.string().min(1).max(1024),
    type: z.literal("public-key"),
    response: z
      .object({
        clientDataJSON: z.string().max(8192),
        authenticatorData: z.string().max(8192),
        signature: z.string().max(2048),
        userHandle: z.string().max(1024).optional(),
      })
      .passthrough(),
    clientExtensionResults: z.record(z.string(), z.unknown()),
    authenticatorAttachment: z.string().max(32).optional(),
  })
  .openapi("PasskeyAssertion");

/**
 * Re-authentication before changing factors: exactly one of the account's password, a current authenticator code, a
 * recovery code, or a passkey assertion (for the challenge of POST /me/mfa/reauth/passkey-options). An account
 * without a password (single sign-on) confirms with one of its factors.
 */
export const ReauthBody = z
  .strictObject({
    password: z.string().min(1).max(200).optional(),
    code: TotpCode.optional(),
    recovery_code: RecoveryCode.optional(),
    passkey: PasskeyAssertion.optional(),
  })
  .refine((b) => [b.password, b.code, b.recovery_code, b.passkey].filter((x) => x !== undefined).length === 1, {
    message: "send exactly one of password, code, recovery_code, passkey",
    path: ["password"],
  })
  .openapi("MfaReauthRequest");

export const reauthProof = (b: z.infer<typeof ReauthBody>): Reauthentication =>
  b.password !== undefined
    ? { password: b.password }
    : b.code !== undefined
      ? { code: b.code }
      : b.recovery_code !== undefined
        ? { recovery_code: b.recovery_code }
        : { passkey: b.passkey as unknown as AuthenticationResponseJSON };

export const PasskeyOut = z.object({ id: z.string(), name: z.string(), created_at: timestamp, last_used_at: timestamp.nullable() }).openapi("Passkey");

export const RecoveryCodesOut = z
  .object({ recovery_codes: z.array(z.string()).openapi({ description: "Shown this once: store them somewhere safe; each works once" }) })
  .openapi("RecoveryCodes");
