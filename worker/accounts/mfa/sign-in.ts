import type { AuthenticationResponseJSON } from "@simplewebauthn/server";
import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { tenantCtx } from "../../db/client";
import { claimChallenge, findChallenge, insertChallenge, recordChallengeFailure, setWebauthnChallenge } from "../../db/repo/accounts/mfa-challenges";
import { consumeRecoveryCode, factorSummary } from "../../db/repo/accounts/mfa-factors";
import { membershipsOf, userAndTenant } from "../../db/repo/accounts/users";
import { auditInsert } from "../../db/repo/platform/audit";
import { shardCtx } from "../../lib/tenant-shard";
import type { MfaMethod } from "../../db/schema/enums";
import { ApiError, notFound } from "../../lib/errors";
import { sha256Hex } from "../../lib/hash";
import { randomString } from "../../lib/ids";
import { appOrigin, clientIp } from "../../lib/request";
import { chargeSecondFactorAttempt } from "../../middleware/login-throttle";
import { assertionOptions, relyingParty, usePasskey } from "./passkeys";
import { hashRecoveryCode } from "./recovery-codes";
import { useTotpCode } from "./totp";

/** How long a password sign-in waits for its second factor. */
export const SIGN_IN_CHALLENGE_TTL_MS = 5 * 60_000;
/** Wrong second factors a sign-in survives; then the password must be given again (and the burst is audited). */
export const MAX_SIGN_IN_FAILURES = 5;

/** The second factors a person can sign in with now. */
export async function signInMethods(c: Context<AppEnv>, userId: string): Promise<MfaMethod[]> {
  const f = await factorSummary(c.get("controlDb"), userId);
  const methods: MfaMethod[] = [];
  if (f.totp) methods.push("totp");
  if (f.passkeys.length) methods.push("passkey");
  if (f.recoveryCodesLeft > 0) methods.push("recovery_code");
  return methods;
}

/** The pending sign-in after a right password: a random token for the browser, only its hash stored. */
export async function issueSignInChallenge(c: Context<AppEnv>, userId: string, tenantId: string) {
  const now = c.get("clock").now();
  const token = randomString(40);
  await insertChallenge(c.get("controlDb"), {
    tokenHash: await sha256Hex(token),
    kind: "sign_in",
    userId,
    signInTenantId: tenantId,
    expiresAt: now + SIGN_IN_CHALLENGE_TTL_MS,
    createdAt: now,
  });
  return { token, expiresAt: now + SIGN_IN_CHALLENGE_TTL_MS };
}

const expired = () => new ApiError("unauthorized", "this sign-in has expired or was already used; sign in again");

async function liveSignIn(c: Context<AppEnv>, token: string) {
  const tokenHash = await sha256Hex(token);
  const challenge = await findChallenge(c.get("controlDb"), "sign_in", tokenHash, c.get("clock").now());
  if (!challenge) throw expired();
  return { tokenHash, challenge };
}

/** Passkey options for a sign-in under way; the assertion challenge is stored on it (a new request replaces it). */
export async function signInPasskeyOptions(c: Context<AppEnv>, token: string) {
  const { tokenHash, challenge } = await liveSignIn(c, token);
  const options = await assertionOptions(c.get("controlDb"), relyingParty(appOrigin(c)), challenge.userId);
  if (!options) throw notFound("passkey");
  if (!(await setWebauthnChallenge(c.get("controlDb"), tokenHash, options.challenge, c.get("clock").now()))) throw expired();
  return options;
}

export type SecondFactorProof = { code: string } | { recovery_code: string } | { passkey: AuthenticationResponseJSON };

/**
 * The second step of a password sign-in: checks one proof (authenticator code, recovery code, passkey) against the
 * pending sign-in's person, then claims the sign-in (once). Attempts are throttled per person and address like
 * passwords; a wrong proof counts against the sign-in, which dies after MAX_SIGN_IN_FAILURES (audited as a burst).
 * Returns the person and the workspace membership to start the session with.
 */
export async function completeSignIn(c: Context<AppEnv>, token: string, proof: SecondFactorProof) {
  const db = c.get("controlDb");
  const { tokenHash, challenge } = await liveSignIn(c, token);
  const attempt = await chargeSecondFactorAttempt(c, challenge.userId);
  const now = c.get("clock").now();
  const ctx = tenantCtx(db, challenge.signInTenantId!);
  const { user } = await userAndTenant(ctx, challenge.userId);
  if (!user) throw expired();
  const source = { principal: { actor: { type: "user" as const, id: user.id, label: user.email } }, ip: clientIp(c), requestId: c.get("requestId"), now };
  let method: MfaMethod;
  let ok: boolean;
  if ("code" in proof) {
    method = "totp";
    ok = await useTotpCode(c.env, db, user.id, proof.code, now);
  } else if ("recovery_code" in proof) {
    method = "recovery_code";
    ok = await consumeRecoveryCode(db, user.id, await hashRecoveryCode(proof.recovery_code), now);
  } else {
    method = "passkey";
    ok = challenge.webauthnChallenge != null && (await usePasskey(db, relyingParty(appOrigin(c)), user.id, challenge.webauthnChallenge, proof.passkey, now));
  }
  if (!ok) {
    const failures = await recordChallengeFailure(db, tokenHash, MAX_SIGN_IN_FAILURES);
    if (failures === MAX_SIGN_IN_FAILURES)
      await auditInsert(await shardCtx(c, ctx.tenantId), source, {
        action: "mfa.sign_in_failures",
        targetType: "user",
        targetId: user.id,
        details: { failures, last_method: method },
      });
    throw new ApiError(
      "unauthorized",
      failures !== null && failures >= MAX_SIGN_IN_FAILURES ? "too many wrong codes; sign in again" : `wrong or already used ${methodLabel[method]}`,
    );
  }
  const claimed = await claimChallenge(db, "sign_in", tokenHash, user.id, now, method === "passkey" ? (challenge.webauthnChallenge ?? undefined) : undefined);
  if (!claimed) throw expired();
  await attempt.succeeded();
  if (method === "recovery_code") {
    const left = (await factorSummary(db, user.id)).recoveryCodesLeft;
    await auditInsert(await shardCtx(c, ctx.tenantId), source, {
      action: "mfa.recovery_code_used",
      targetType: "user",
      targetId: user.id,
      details: { recovery_codes_left: left },
    });
  }
  const membership = (await membershipsOf(db, user.id)).find((m) => m.tenantId === claimed.signInTenantId);
  if (!membership) throw new ApiError("unauthorized", "you are no longer a member of that workspace");
  return {
    user: { id: user.id, email: user.email, name: user.name },
    tenant: { id: membership.tenantId, slug: membership.slug, name: membership.name, role: membership.role },
  };
}

const methodLabel: Record<MfaMethod, string> = { totp: "code", recovery_code: "recovery code", passkey: "passkey" };
