import type { BatchItem } from "drizzle-orm/batch";
import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { tenantCtx } from "../../db/client";
import {
  changeFactorsAudited,
  consumeRecoveryCode,
  deletePasskey,
  deleteRecoveryCodesIfNoFactor,
  deleteTotp,
  factorSummary,
  getPasskey,
  replaceRecoveryCodes,
} from "../../db/repo/accounts/mfa-factors";
import { userAndTenant } from "../../db/repo/accounts/users";
import { auditInsert } from "../../db/repo/platform/audit";
import { conflict, invalid, notFound } from "../../lib/errors";
import { checkAccountPassword, hasPassword } from "../../lib/password";
import { appOrigin, auditSource } from "../../lib/request";
import { chargePasswordAttempt, chargeSecondFactorAttempt } from "../../middleware/login-throttle";
import { reauthenticateWithPasskey, relyingParty } from "./passkeys";
import { hashRecoveryCode, newRecoveryCodes } from "./recovery-codes";
import type { SecondFactorProof } from "./sign-in";
import { useTotpCode } from "./totp";
import { shardOf } from "../../lib/tenant-shard";

/**
 * Proof that the person at the keyboard is the account's: its password, or one of its factors (a current
 * authenticator code, a recovery code, a passkey) — so an account without a password (single sign-on) is never
 * locked out of changing its factors.
 */
export type Reauthentication = { password: string } | SecondFactorProof;

/**
 * Re-authentication before changing factors, so a session left open (or stolen) cannot strip or replace them.
 * Throttled like sign-in; each code, recovery code and passkey challenge works once; a wrong answer is a 400 naming
 * the field (the session itself stays valid).
 */
export async function reauthenticate(c: Context<AppEnv>, userId: string, proof: Reauthentication) {
  const p = c.get("principal");
  const db = c.get("controlDb");
  const ctx = tenantCtx(c.get("db"), p.tenantId, db);
  const { user } = await userAndTenant(ctx, userId);
  if (!user) throw invalid("password", "your account no longer exists");
  if ("password" in proof) {
    if (!hasPassword(user))
      throw invalid("password", "your account has no password (you sign in with single sign-on): confirm with a code, a passkey or a recovery code");
    const attempt = await chargePasswordAttempt(c, user.email);
    if (!(await checkAccountPassword(proof.password, user))) throw invalid("password", "wrong password");
    await attempt.succeeded();
    return;
  }
  const attempt = await chargeSecondFactorAttempt(c, userId);
  const now = c.get("clock").now();
  if ("code" in proof) {
    if (!(await useTotpCode(c.env, db, userId, proof.code, now))) throw invalid("code", "wrong or already used code");
  } else if ("recovery_code" in proof) {
    if (!(await consumeRecoveryCode(db, userId, await hashRecoveryCode(proof.recovery_code), now)))
      throw invalid("recovery_code", "wrong or already used recovery code");
    const left = (await factorSummary(db, userId)).recoveryCodesLeft;
    await auditInsert(ctx, auditSource(c), {
      action: "mfa.recovery_code_used",
      targetType: "user",
      targetId: userId,
      details: { recovery_codes_left: left, to: "reauthenticate" },
    });
  } else if (!(await reauthenticateWithPasskey(db, relyingParty(appOrigin(c)), userId, proof.passkey, now))) {
    throw invalid("passkey", "this passkey answer does not verify, or was already used; try again");
  }
  await attempt.succeeded();
}

async function removeWithAudit(c: Context<AppEnv>, userId: string, removal: BatchItem<"sqlite">, action: string, details: Record<string, unknown>) {
  const db = c.get("controlDb");
  await changeFactorsAudited(db, shardOf(c), auditSource(c), userId, { action, details }, [removal, deleteRecoveryCodesIfNoFactor(db, userId)]);
}

/** Removes the authenticator app (confirmed or half set up); recovery codes go too when no factor is left. */
export async function removeTotp(c: Context<AppEnv>, userId: string) {
  const summary = await factorSummary(c.get("controlDb"), userId);
  if (!summary.totp && !summary.totpPending) throw notFound("authenticator app");
  await removeWithAudit(c, userId, deleteTotp(c.get("controlDb"), userId), "mfa.totp_removed", {});
}

/** Removes one of the person's own passkeys; anyone else's id is unknown here (404). */
export async function removePasskey(c: Context<AppEnv>, userId: string, id: string) {
  const passkey = await getPasskey(c.get("controlDb"), userId, id);
  if (!passkey) throw notFound("passkey");
  await removeWithAudit(c, userId, deletePasskey(c.get("controlDb"), userId, id), "mfa.passkey_removed", { passkey_id: id, name: passkey.name });
}

/** A new set of ten recovery codes, replacing every old one (used or not); shown once. Needs a factor to recover. */
export async function regenerateRecoveryCodes(c: Context<AppEnv>, userId: string) {
  const db = c.get("controlDb");
  const summary = await factorSummary(db, userId);
  if (!summary.totp && !summary.passkeys.length) throw conflict("set up an authenticator app or a passkey first: recovery codes stand in for one");
  const { codes, hashes } = await newRecoveryCodes();
  const statements = replaceRecoveryCodes(db, userId, hashes, c.get("clock").now());
  await changeFactorsAudited(db, shardOf(c), auditSource(c), userId, { action: "mfa.recovery_codes_regenerated" }, statements);
  return codes;
}
