import type { Db } from "../../db/client";
import {
  changeFactorsAudited,
  confirmTotp,
  consumeTotpStep,
  getTotp,
  issueFirstRecoveryCodes,
  startTotpEnrolment,
  totpSecretAad,
} from "../../db/repo/accounts/mfa-factors";
import type { AuditSource } from "../../db/repo/platform/audit";
import { shardDb } from "../../db/shards";
import type { Env } from "../../env";
import { loadKeyRing, open, seal } from "../../lib/envelope";
import { conflict, invalid } from "../../lib/errors";
import { fromBase32, matchTotp, newTotpSecret, otpauthUri, toBase32 } from "../../lib/totp";
import { newRecoveryCodes } from "./recovery-codes";

/**
 * Starts authenticator-app enrolment: a new secret, sealed at rest, shown once as base32 and as an otpauth:// URI.
 * Starting again before confirming replaces the secret; a confirmed one must be removed first (409).
 */
export async function startEnrolment(env: Env, db: Db, user: { id: string; email: string }, now: number) {
  const secret = newTotpSecret();
  const base32 = toBase32(secret);
  const sealed = await seal(await loadKeyRing(env.TUTTI_MASTER_KEY), base32, totpSecretAad(user.id));
  if (!(await startTotpEnrolment(db, user.id, sealed, now))) throw conflict("an authenticator app is already set up; remove it first to set up another");
  return { secret: base32, otpauthUri: otpauthUri(secret, user.email) };
}

async function openSecret(env: Env, userId: string, sealed: Parameters<typeof open>[1]) {
  return fromBase32(await open(await loadKeyRing(env.TUTTI_MASTER_KEY), sealed, totpSecretAad(userId)));
}

/**
 * Confirms enrolment with the first code the app shows. When this is the person's first factor, their recovery codes
 * are issued here and returned (shown once); otherwise null.
 */
export async function confirmEnrolment(env: Env, db: Db, source: AuditSource, userId: string, code: string) {
  const row = await getTotp(db, userId);
  if (!row || row.confirmedAt != null) throw conflict("no authenticator-app set-up is under way; start one first");
  const step = await matchTotp(await openSecret(env, userId, row.secret), code, source.now);
  if (step === null) throw invalid("code", "wrong code; check the app's clock and enter the current code");
  if (!(await confirmTotp(db, userId, row.secret, step, source.now))) throw conflict("the set-up changed meanwhile; start again");
  const recovery = await newRecoveryCodes();
  const issued = await issueFirstRecoveryCodes(db, userId, recovery.hashes, source.now);
  await changeFactorsAudited(db, (shard) => shardDb(env, shard), source, userId, { action: "mfa.totp_enrolled", details: { recovery_codes_issued: issued } });
  return issued ? recovery.codes : null;
}

/**
 * Checks a code against the person's confirmed authenticator app and marks its step used. False for a wrong code,
 * no confirmed app, a replay, or a code older than the last one accepted.
 */
export async function useTotpCode(env: Env, db: Db, userId: string, code: string, now: number): Promise<boolean> {
  const row = await getTotp(db, userId);
  if (!row || row.confirmedAt == null) return false;
  const step = await matchTotp(await openSecret(env, userId, row.secret), code, now);
  return step !== null && (await consumeTotpStep(db, userId, step));
}
