import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { AppEnv } from "../../context";
import { sha256Hex } from "../../lib/hash";
import { SESSION_COOKIE } from "../../lib/session-cookie";

/** The stored hash of this request's session, to mark it in lists and clear the cookie when it is ended. */
export async function currentSessionHash(c: Context<AppEnv>): Promise<string | null> {
  const raw = getCookie(c, SESSION_COOKIE);
  return c.get("principal").viaSession && raw ? sha256Hex(raw) : null;
}
