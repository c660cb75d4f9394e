import type { Db } from "../db/client";
import { createSignup, findTenantBySlug, findUserByEmail, type SignupInput } from "../db/repo/accounts/users";
import type { PendingSignup } from "../db/schema";
import { isUniqueViolation } from "../db/unique";
import { controlDb, placeTenant, shardDb } from "../db/shards";
import type { Env } from "../env";
import { ApiError, conflict } from "../lib/errors";
import type { Logger } from "../lib/log";
import { checkAccountPassword, hashPassword, newHashIterations } from "../lib/password";
import { addWorkspaceMail, SIGNUP_TOKEN_TTL_MS, signupAttemptMail, verifySignupMail } from "../mail/account-mails";
import { sendMail } from "../mail/send";
import { issueEmailLink, useEmailLink } from "./email-links";

export interface SignupRequest {
  email: string;
  password: string;
  name: string;
  workspace: Omit<PendingSignup, "account">;
}

/**
 * A sign-up creates nothing but a link mailed to the address; the workspace (and the account, when new) is created
 * when the link is used (completeSignup), so no account ever exists for an address nobody proved.
 *
 * Whoever asks gets the same answer, and it is sent before this runs (the route's afterResponse), so its time tells
 * nothing. The paths still do alike work, one PBKDF2 derivation and one mail each. A new address gets the
 * verification link; an address with an account and its password gets a link adding the workspace to that account;
 * with another password, its owner is told someone tried, and nothing else happens.
 */
export async function requestSignup(env: Env, db: Db, r: SignupRequest, origin: string, now: number, log: Logger) {
  const existing = await findUserByEmail(db, r.email);
  let mail;
  if (existing) {
    if (await checkAccountPassword(r.password, existing)) {
      const token = await issueEmailLink(db, {
        purpose: "signup",
        email: r.email,
        userId: null,
        signup: { account: null, ...r.workspace },
        ttlMs: SIGNUP_TOKEN_TTL_MS,
        now,
      });
      mail = addWorkspaceMail(r.email, origin, token, r.workspace.tenantName);
    } else {
      mail = signupAttemptMail(r.email, origin);
    }
  } else {
    const hash = await hashPassword(r.password, newHashIterations(env));
    const signup: PendingSignup = { account: { name: r.name, ...hash }, ...r.workspace };
    const token = await issueEmailLink(db, { purpose: "signup", email: r.email, userId: null, signup, ttlMs: SIGNUP_TOKEN_TTL_MS, now });
    mail = verifySignupMail(r.email, origin, token, r.workspace.tenantName);
  }
  await sendMail(env, db, mail, now, log);
}

export const invalidLink = (what: string) =>
  new ApiError("not_found", `this ${what} link is unknown, already used or expired; ${what === "sign-up" ? "sign up" : "ask for a new one"} again`);

/**
 * Uses a sign-up link: creates the workspace with its first team, owned by the address's account — the one it
 * already has, or a new one with the name and password given at sign-up. Returns who to sign in.
 */
export async function completeSignup(env: Env, token: string, request: { ip: string | null; requestId: string }, now: number) {
  const db = controlDb(env);
  const link = await useEmailLink(db, token, "signup", now);
  if (!link?.signup) throw invalidLink("sign-up");
  const pending = link.signup;
  const create = async () => {
    // The account may have appeared since the link was sent (another sign-up link of the same address used first).
    const existing = await findUserByEmail(db, link.email);
    let account: SignupInput["account"];
    if (existing) account = { userId: existing.id };
    else if (pending.account) {
      const { name, ...password } = pending.account;
      account = { userId: null, name, password };
    } else throw conflict("the account of this address no longer exists; sign up again");
    // The new workspace goes to the emptiest shard (db/shards.ts placeTenant).
    const shard = await placeTenant(env);
    const created = await createSignup(
      db,
      { shard, db: shardDb(env, shard) },
      {
        email: link.email,
        account,
        tenantName: pending.tenantName,
        tenantSlug: pending.tenantSlug,
        teamName: pending.teamName,
        teamSlug: pending.teamSlug,
        ...request,
      },
      now,
    );
    const user = existing ?? { id: created.userId, email: link.email, name: pending.account!.name };
    return { user: { id: user.id, email: user.email, name: user.name }, tenant: { id: created.tenantId, slug: pending.tenantSlug, name: pending.tenantName } };
  };
  const slugTaken = () =>
    conflict(`the workspace address "${pending.tenantSlug}" was taken after you signed up; sign up again with another workspace name`, [
      { path: "tenant_slug", message: `slug "${pending.tenantSlug}" is taken` },
    ]);
  try {
    return await create();
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    if (await findTenantBySlug(db, pending.tenantSlug)) throw slugTaken();
    // The account was created at this moment by another sign-up link of the same address: join it.
    return await create();
  }
}
