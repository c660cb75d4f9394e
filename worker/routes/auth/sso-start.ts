import { createRoute, z } from "@hono/zod-openapi";
import { setCookie } from "hono/cookie";
import type { Router } from "../../context";
import { appOrigin, requestLog } from "../../lib/request";
import { SsoError } from "../../sso/oidc";
import { startSsoSignIn } from "../../sso/sign-in";
import { Email } from "./schemas";
import { SSO_STATE_COOKIE, ssoFailure } from "./sso-redirects";

const StartQuery = z.object({
  email: Email.optional().openapi({ description: "Your work address: its domain picks the workspace" }),
  tenant: z.string().max(64).optional().openapi({ description: "Or the workspace slug" }),
  return_to: z.string().max(500).optional().openapi({ description: "Dashboard path to land on after signing in (default /)" }),
});

export const route = createRoute({
  method: "get",
  path: "/auth/sso/start",
  tags: ["auth"],
  summary: "Sign in with single sign-on: redirects to the workspace's OpenID provider",
  description:
    "Finds the workspace by the address's verified domain (or `tenant`), and redirects to its provider with PKCE, state " +
    "and nonce (kept server-side for ten minutes, once). Failures redirect to the sign-in page with `sso_error`.",
  request: { query: StartQuery },
  responses: { 302: { description: "To the provider's login page, or back to /login?sso_error=… when single sign-on is not possible" } },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const q = c.req.valid("query");
    try {
      if (!q.email && !q.tenant) throw new SsoError("enter your work e-mail address");
      const started = await startSsoSignIn(
        c.env,
        c.get("controlDb"),
        { email: q.email, tenant: q.tenant, returnTo: q.return_to },
        appOrigin(c),
        c.get("clock").now(),
      );
      // Binds the sign-in to this browser: the callback needs the same state in the cookie and in the URL.
      setCookie(c, SSO_STATE_COOKIE, started.state, { httpOnly: true, secure: true, sameSite: "Lax", path: "/api/v1/auth/sso", maxAge: 600 });
      return c.redirect(started.url.href, 302);
    } catch (err) {
      return ssoFailure(c, err, requestLog(c));
    }
  });
}
