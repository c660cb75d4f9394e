import type { Context } from "hono";
import { setCookie } from "hono/cookie";
import type { AppEnv } from "../context";
import { tenantCtx } from "../db/client";
import { tenantDb } from "../db/shards";
import { createSession } from "../db/repo/accounts/users";
import { auditInsert } from "../db/repo/platform/audit";
import { ssoEnforced } from "../db/repo/sso/config";
import type { MfaMethod, SessionAuthMethod, TenantRole } from "../db/schema/enums";
import { hasSecondFactor } from "../db/repo/accounts/mfa-factors";
import { issueSignInChallenge, signInMethods } from "../accounts/mfa/sign-in";
import { ApiError } from "./errors";
import { clientIp } from "./request";
import { SESSION_COOKIE, SESSION_TTL_MS } from "./session-cookie";

/**
 * Where the tenant enforces single sign-on, a password starts no session for anyone but an owner; an owner's is the
 * break-glass path (the provider is down or misconfigured) and is audited as `sso.break_glass`.
 */
async function allowPasswordSession(c: Context<AppEnv>, user: { id: string; email: string }, tenant: { id: string; role: TenantRole }, audit = true) {
  if (!(await ssoEnforced(tenantCtx(c.get("controlDb"), tenant.id)))) return;
  if (tenant.role !== "owner") throw new ApiError("forbidden", "this workspace signs in with single sign-on: use “Continue with SSO”");
  if (!audit) return;
  await auditInsert(
    tenantCtx(await tenantDb(c.env, tenant.id), tenant.id),
    { principal: { actor: { type: "user", id: user.id, label: user.email } }, ip: clientIp(c), requestId: c.get("requestId"), now: c.get("clock").now() },
    { action: "sso.break_glass", targetType: "user", targetId: user.id, details: { email: user.email } },
  );
}

/**
 * What a right password leads to: a session, or — for a person with a second factor — a pending sign-in (202) that
 * `POST /auth/mfa` completes with a code, recovery code or passkey. Single sign-on enforcement is checked before the
 * second step, so a refused person is told before they reach for their phone (and again when the session starts).
 */
export async function passwordSignIn(
  c: Context<AppEnv>,
  user: { id: string; email: string; name: string },
  tenant: { id: string; slug: string; name: string; role: TenantRole },
): Promise<{ status: 200; session: Awaited<ReturnType<typeof startSession>> } | { status: 202; challenge: MfaChallengeBody }> {
  if (!(await hasSecondFactor(c.get("controlDb"), user.id))) return { status: 200, session: await startSession(c, user, tenant) };
  await allowPasswordSession(c, user, tenant, false);
  const [pending, methods] = await Promise.all([issueSignInChallenge(c, user.id, tenant.id), signInMethods(c, user.id)]);
  return { status: 202, challenge: { mfa_token: pending.token, methods, expires_at: new Date(pending.expiresAt).toISOString() } };
}

export interface MfaChallengeBody {
  mfa_token: string;
  methods: MfaMethod[];
  expires_at: string;
}

/**
 * Starts a session, sets the HttpOnly cookie and returns the body shared by sign-up, login, invitation acceptance
 * and SSO sign-in. A password session is refused where the tenant enforces single sign-on, except for owners.
 */
export async function startSession(
  c: Context<AppEnv>,
  user: { id: string; email: string; name: string },
  tenant: { id: string; slug: string; name: string; role: TenantRole },
  method: SessionAuthMethod = "password",
) {
  if (method === "password") await allowPasswordSession(c, user, tenant);
  const now = c.get("clock").now();
  const session = await createSession(c.get("controlDb"), tenant.id, user.id, clientIp(c), now, method);
  setCookie(c, SESSION_COOKIE, session.rawId, {
    httpOnly: true,
    secure: true,
    sameSite: "Lax",
    path: "/",
    maxAge: SESSION_TTL_MS / 1000,
  });
  return {
    user: { id: user.id, email: user.email, name: user.name },
    tenant,
    csrf_token: session.csrfToken,
    expires_at: new Date(session.expiresAt).toISOString(),
  };
}
