import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt, ms } from "./columns";
import { mfaChallengeKinds } from "./enums";

/**
 * A second step on its way, server-side, found by the SHA-256 of its token: `sign_in` is a password sign-in that
 * still needs a second factor (the token goes to the browser; `tenant_id` is the workspace it signs into);
 * `passkey_registration` is a WebAuthn registration under way and `passkey_reauth` a passkey asked to confirm a change
 * to the person's factors (for both the token is the WebAuthn challenge). Each is used
 * once (claimed by deleting it) and only within five minutes; a sign-in challenge dies after a few wrong codes.
 */
export const mfaChallenges = sqliteTable(
  "mfa_challenges",
  {
    tokenHash: text("token_hash").primaryKey(),
    kind: text("kind", { enum: mfaChallengeKinds }).notNull(),
    userId: text("user_id").notNull(),
    /** The workspace a sign-in is for; null for a registration (factors are the person's, not a workspace's). */
    signInTenantId: text("sign_in_tenant_id"),
    /** The WebAuthn challenge of a passkey assertion asked for during a sign-in (base64url), once asked. */
    webauthnChallenge: text("webauthn_challenge"),
    failures: integer("failures").notNull().default(0),
    expiresAt: ms("expires_at").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("mfa_challenges_expiry").on(t.expiresAt)],
);
