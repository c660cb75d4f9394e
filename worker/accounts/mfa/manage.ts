import type { BatchItem } from "drizzle-orm/batch";
import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { tenantCtx } from "../../db/client";
import {
  auditForPerson,
  deletePasskey,
  deleteRecoveryCodesIfNoFactor,
  deleteTotp,
  factorSummary,
  getPasskey,
  replaceRecoveryCodes,
} from "../../db/repo/accounts/mfa-factors";
import { userAndTenant } from "../../db/repo/accounts/users";
import { conflict, invalid, notFound } from "../../lib/errors";
import { checkAccountPassword } from "../../lib/password";
import { auditSource } from "../../lib/request";
import { chargePasswordAttempt, chargeSecondFactorAttempt } from "../../middleware/login-throttle";
import { newRecoveryCodes } from "./recovery-codes";
import { useTotpCode } from "./totp";

/** Proof that the person at the keyboard is the account's: its password, or a current authenticator code. */
export type Reauthentication = { password: string } | { code: string };

/**
 * Re-authentication before changing factors, so a session left open (or stolen) cannot strip or replace them.
 * Throttled like sign-in; a wrong answer is a 400 naming the field (the session itself stays valid).
 */
export async function reauthenticate(c: Context<AppEnv>, userId: string, proof: Reauthentication) {
  const p = c.get("principal");
  const { user } = await userAndTenant(tenantCtx(c.get("db"), p.tenantId), userId);
  if (!user) throw invalid("password", "your account no longer exists");
  if ("password" in proof) {
    const attempt = await chargePasswordAttempt(c, user.email);
    if (!(await checkAccountPassword(proof.password, user))) throw invalid("password", "wrong password");
    await attempt.succeeded();
    return;
  }
  const attempt = await chargeSecondFactorAttempt(c, userId);
  if (!(await useTotpCode(c.env, c.get("db"), userId, proof.code, c.get("clock").now()))) throw invalid("code", "wrong or already used code");
  await attempt.succeeded();
}

async function removeWithAudit(c: Context<AppEnv>, userId: string, removal: BatchItem<"sqlite">, action: string, details: Record<string, unknown>) {
  const db = c.get("db");
  const audits = await auditForPerson(db, auditSource(c), userId, { action, details });
  await db.batch([removal, deleteRecoveryCodesIfNoFactor(db, userId), ...audits]);
}

/** Removes the authenticator app (confirmed or half set up); recovery codes go too when no factor is left. */
export async function removeTotp(c: Context<AppEnv>, userId: string) {
  const summary = await factorSummary(c.get("db"), userId);
  if (!summary.totp && !summary.totpPending) throw notFound("authenticator app");
  await removeWithAudit(c, userId, deleteTotp(c.get("db"), userId), "mfa.totp_removed", {});
}

/** Removes one of the person's own passkeys; anyone else's id is unknown here (404). */
export async function removePasskey(c: Context<AppEnv>, userId: string, id: string) {
  const passkey = await getPasskey(c.get("db"), userId, id);
  if (!passkey) throw notFound("passkey");
  await removeWithAudit(c, userId, deletePasskey(c.get("db"), userId, id), "mfa.passkey_removed", { passkey_id: id, name: passkey.name });
}

/** A new set of ten recovery codes, replacing every old one (used or not); shown once. Needs a factor to recover. */
export async function regenerateRecoveryCodes(c: Context<AppEnv>, userId: string) {
  const db = c.get("db");
  const summary = await factorSummary(db, userId);
  if (!summary.totp && !summary.passkeys.length) throw conflict("set up an authenticator app or a passkey first: recovery codes stand in for one");
  const { codes, hashes } = await newRecoveryCodes();
  const audits = await auditForPerson(db, auditSource(c), userId, { action: "mfa.recovery_codes_regenerated" });
  const [first, ...rest] = replaceRecoveryCodes(db, userId, hashes, c.get("clock").now());
  await db.batch([first!, ...rest, ...audits]);
  return codes;
}
