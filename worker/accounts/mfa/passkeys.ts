import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import { decodeClientDataJSON, isoBase64URL } from "@simplewebauthn/server/helpers";
import type { Db, ShardOf } from "../../db/client";
import { claimChallenge, insertChallenge } from "../../db/repo/accounts/mfa-challenges";
import { changeFactorsAudited, getPasskey, insertPasskey, issueFirstRecoveryCodes, listPasskeys, recordPasskeyUse } from "../../db/repo/accounts/mfa-factors";
import type { AuditSource } from "../../db/repo/platform/audit";
import { isUniqueViolation } from "../../db/unique";
import { conflict, invalid } from "../../lib/errors";
import { sha256Hex } from "../../lib/hash";
import { newRecoveryCodes } from "./recovery-codes";

/** How long a WebAuthn ceremony may take, from options to answer. */
export const PASSKEY_CHALLENGE_TTL_MS = 5 * 60_000;

/** The relying party is the dashboard's public origin (APP_URL, else the request's): its host is the rpID. */
export interface RelyingParty {
  origin: string;
  rpId: string;
}
export const relyingParty = (origin: string): RelyingParty => ({ origin, rpId: new URL(origin).hostname });

/** The challenge a WebAuthn answer was made for, read from its clientDataJSON (null when unreadable). */
function answeredChallenge(clientDataJSON: string): string | null {
  try {
    return decodeClientDataJSON(clientDataJSON).challenge;
  } catch {
    return null;
  }
}

/**
 * Options for `navigator.credentials.create`; the challenge is kept server-side (its hash) for five minutes, once.
 * The person's existing passkeys are excluded so one authenticator is not registered twice.
 */
export async function registrationOptions(db: Db, rp: RelyingParty, user: { id: string; email: string; name: string }, now: number) {
  const existing = await listPasskeys(db, user.id);
  const options = await generateRegistrationOptions({
    rpName: "Tutti",
    rpID: rp.rpId,
    userName: user.email,
    userDisplayName: user.name,
    userID: new Uint8Array(new TextEncoder().encode(user.id)),
    attestationType: "none",
    excludeCredentials: existing.map((p) => ({ id: p.id, transports: p.transports as AuthenticatorTransportFuture[] })),
    authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" },
  });
  await insertChallenge(db, {
    tokenHash: await sha256Hex(options.challenge),
    kind: "passkey_registration",
    userId: user.id,
    expiresAt: now + PASSKEY_CHALLENGE_TTL_MS,
    createdAt: now,
  });
  return options;
}

/**
 * Verifies the authenticator's answer against the challenge this person was given (claimed, so it works once) and
 * stores the passkey. When it is the person's first factor their recovery codes are issued and returned (once).
 */
export async function finishRegistration(
  db: Db,
  shardOf: ShardOf,
  rp: RelyingParty,
  source: AuditSource,
  userId: string,
  name: string,
  response: RegistrationResponseJSON,
) {
  const challenge = answeredChallenge(response.response.clientDataJSON);
  const claimed = challenge ? await claimChallenge(db, "passkey_registration", await sha256Hex(challenge), userId, source.now) : null;
  if (!challenge || !claimed) throw invalid("response", "this passkey registration is unknown, used or expired; start again");
  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.rpId,
      requireUserVerification: false,
    });
  } catch (err) {
    throw invalid("response", `the authenticator's answer does not verify: ${(err as Error).message}`);
  }
  if (!verified.verified) throw invalid("response", "the authenticator's answer does not verify");
  const { credential } = verified.registrationInfo;
  await insertPasskey(db, {
    id: credential.id,
    userId,
    name,
    publicKey: isoBase64URL.fromBuffer(credential.publicKey),
    counter: credential.counter,
    transports: credential.transports ?? [],
    createdAt: source.now,
  }).catch((err) => {
    if (isUniqueViolation(err)) throw conflict("this passkey is already registered");
    throw err;
  });
  const recovery = await newRecoveryCodes();
  const issued = await issueFirstRecoveryCodes(db, userId, recovery.hashes, source.now);
  await changeFactorsAudited(db, shardOf, source, userId, {
    action: "mfa.passkey_added",
    details: { passkey_id: credential.id, name, recovery_codes_issued: issued },
  });
  return { id: credential.id, recoveryCodes: issued ? recovery.codes : null };
}

/** Options for `navigator.credentials.get`, limited to the person's own passkeys. */
export async function assertionOptions(db: Db, rp: RelyingParty, userId: string) {
  const passkeys = await listPasskeys(db, userId);
  if (!passkeys.length) return null;
  return generateAuthenticationOptions({
    rpID: rp.rpId,
    userVerification: "preferred",
    allowCredentials: passkeys.map((p) => ({ id: p.id, transports: p.transports as AuthenticatorTransportFuture[] })),
  });
}

/**
 * Options to confirm a change to the person's factors with one of their passkeys (re-authentication without a
 * password); the challenge is kept server-side (its hash) for five minutes, once. Null when they have no passkey.
 */
export async function reauthenticationOptions(db: Db, rp: RelyingParty, userId: string, now: number) {
  const options = await assertionOptions(db, rp, userId);
  if (!options) return null;
  await insertChallenge(db, {
    tokenHash: await sha256Hex(options.challenge),
    kind: "passkey_reauth",
    userId,
    expiresAt: now + PASSKEY_CHALLENGE_TTL_MS,
    createdAt: now,
  });
  return options;
}

/**
 * Whether `response` answers a re-authentication challenge this person was given (claimed first, so an assertion
 * works once: a replay, or the second of two copies, finds no challenge) with one of their own passkeys.
 */
export async function reauthenticateWithPasskey(db: Db, rp: RelyingParty, userId: string, response: AuthenticationResponseJSON, now: number) {
  const challenge = answeredChallenge(response.response.clientDataJSON);
  if (!challenge || !(await claimChallenge(db, "passkey_reauth", await sha256Hex(challenge), userId, now))) return false;
  return usePasskey(db, rp, userId, challenge, response, now);
}

/**
 * Whether `response` is a valid assertion by one of the person's passkeys for `challenge`; records the use (new
 * counter). False for anything that does not verify, including another person's passkey.
 */
export async function usePasskey(db: Db, rp: RelyingParty, userId: string, challenge: string, response: AuthenticationResponseJSON, now: number) {
  const passkey = await getPasskey(db, userId, response.id);
  if (!passkey) return false;
  try {
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.rpId,
      requireUserVerification: false,
      credential: {
        id: passkey.id,
        publicKey: isoBase64URL.toBuffer(passkey.publicKey),
        counter: passkey.counter,
        transports: passkey.transports as AuthenticatorTransportFuture[],
      },
    });
    return result.verified && (await recordPasskeyUse(db, userId, passkey, result.authenticationInfo.newCounter, now));
  } catch {
    return false;
  }
}
