import { z } from "@hono/zod-openapi";
import { mfaMethods, tenantRoles } from "../../db/schema/enums";

export const Email = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: "must be an e-mail address" }))
  .openapi({ example: "ada@example.com" });
export const Password = z.string().min(10, "must be at least 10 characters").max(200).openapi({ example: "correct horse battery" });

export const UserOut = z.object({ id: z.string(), email: z.string(), name: z.string() }).openapi("User");
export const TenantOut = z.object({ id: z.string(), slug: z.string(), name: z.string(), role: z.enum(tenantRoles) }).openapi("TenantMembership");

export const SessionOut = z
  .object({
    user: UserOut,
    tenant: TenantOut,
    csrf_token: z.string().openapi({ description: "Send as X-CSRF-Token on cookie-authenticated writes" }),
    expires_at: z.string(),
  })
  .openapi("Session");

/** The one answer of every request that mails an address, whatever the address (no answer tells whether it has an account). */
export const CheckYourEmail = z
  .object({
    email: z.string(),
    message: z.string(),
  })
  .openapi("CheckYourEmail");

export const checkYourEmail = (email: string, what: string) => ({ email, message: `If ${email} can receive mail, a message is on its way: ${what}` });

export const LinkToken = z.string().min(20).max(128).openapi({ description: "The token from the link in the mail" });

/** A right password of a person with a second factor: no session yet, but a pending sign-in for `POST /auth/mfa`. */
export const MfaChallengeOut = z
  .object({
    mfa_token: z.string().openapi({ description: "Send to POST /auth/mfa with one second factor; works once, for five minutes" }),
    methods: z.array(z.enum(mfaMethods)).openapi({ description: "The second factors this person has" }),
    expires_at: z.string(),
  })
  .openapi("MfaChallenge");

export const MfaToken = z.string().min(20).max(64).openapi({ description: "The `mfa_token` of the pending sign-in" });
