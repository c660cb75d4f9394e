import { z } from "@hono/zod-openapi";
import { timestamp } from "../shared";

export const TotpCode = z
  .string()
  .regex(/^\d{6}$/, "six digits")
  .openapi({ description: "The code your authenticator app shows now" });

/** Re-authentication before changing factors: the account's password or a current authenticator code. */
export const ReauthBody = z
  .strictObject({ password: z.string().min(1).max(200).optional(), code: TotpCode.optional() })
  .refine((b) => (b.password === undefined) !== (b.code === undefined), { message: "send your password or a current code", path: ["password"] })
  .openapi("MfaReauthRequest");

export const reauthProof = (b: z.infer<typeof ReauthBody>) => (b.password !== undefined ? { password: b.password } : { code: b.code! });

export const PasskeyOut = z.object({ id: z.string(), name: z.string(), created_at: timestamp, last_used_at: timestamp.nullable() }).openapi("Passkey");

export const RecoveryCodesOut = z
  .object({ recovery_codes: z.array(z.string()).openapi({ description: "Shown this once: store them somewhere safe; each works once" }) })
  .openapi("RecoveryCodes");
