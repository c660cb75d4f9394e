import type { Context } from "hono";
import { setCookie } from "hono/cookie";
import type { AppEnv } from "../context";
import { createSession } from "../db/repo/accounts/users";
import type { TenantRole } from "../db/schema/enums";
import { clientIp } from "./request";
import { SESSION_COOKIE, SESSION_TTL_MS } from "./session-cookie";

/** Starts a session, sets the HttpOnly cookie and returns the body shared by sign-up, login and invitation acceptance. */
export async function startSession(
  c: Context<AppEnv>,
  user: { id: string; email: string; name: string },
  tenant: { id: string; slug: string; name: string; role: TenantRole },
) {
  const now = c.get("clock").now();
  const session = await createSession(c.get("db"), tenant.id, user.id, clientIp(c), now);
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
