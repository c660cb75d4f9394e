import type { Db } from "../db/client";
import { findUserByEmail, resetPassword } from "../db/repo/accounts/users";
import { shardDb } from "../db/shards";
import type { AuditSource } from "../db/repo/platform/audit";
import type { Env } from "../env";
import type { Logger } from "../lib/log";
import { hashPassword, newHashIterations } from "../lib/password";
import { RESET_TOKEN_TTL_MS, resetNoAccountMail, resetPasswordMail } from "../mail/account-mails";
import { sendMail } from "../mail/send";
import { issueEmailLink, useEmailLink } from "./email-links";
import { invalidLink } from "./signup";

/**
 * Asks for a reset link. Answered the same whether or not the address has an account, and both paths send one mail:
 * the link, or a note that no account uses the address.
 */
export async function requestPasswordReset(env: Env, db: Db, email: string, origin: string, now: number, log: Logger) {
  const user = await findUserByEmail(db, email);
  const mail = user
    ? resetPasswordMail(
        email,
        origin,
        await issueEmailLink(db, { purpose: "password_reset", email, userId: user.id, signup: null, ttlMs: RESET_TOKEN_TTL_MS, now }),
      )
    : resetNoAccountMail(email, origin);
  await sendMail(env, db, mail, now, log);
}

/** Uses a reset link: sets the new password and ends every session of the account (users.resetPassword). */
export async function completePasswordReset(env: Env, db: Db, token: string, password: string, source: Omit<AuditSource, "principal">) {
  const link = await useEmailLink(db, token, "password_reset", source.now);
  const user = link ? await findUserByEmail(db, link.email) : null;
  // The account must still be the one the link was sent for.
  if (!link || !user || user.id !== link.userId) throw invalidLink("password reset");
  return resetPassword(db, (shard) => shardDb(env, shard), source, { id: user.id, email: user.email }, await hashPassword(password, newHashIterations(env)));
}
