import { createRoute, z } from "@hono/zod-openapi";
import { deleteCookie, getCookie } from "hono/cookie";
import type { Router } from "../../context";
import { ApiError } from "../../lib/errors";
import { appOrigin, clientIp, requestLog } from "../../lib/request";
import { startSession } from "../../lib/session-response";
import { SsoError } from "../../sso/oidc";
import { finishSsoSignIn } from "../../sso/sign-in";
import { SSO_STATE_COOKIE, ssoFailure } from "./sso-redirects";

const CallbackQuery = z.object({
  state: z.string().max(200).optional(),
  code: z.string().max(4000).optional(),
  iss: z.string().max(500).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(1000).optional(),
});

export const route = createRoute({
  method: "get",
  path: "/auth/sso/callback",
  tags: ["auth"],
  summary: "Where the OpenID provider sends the browser back: signs in and redirects into the dashboard",
  description:
    "Checks state (URL and this browser's cookie), redeems the code with the PKCE verifier, validates the ID token " +
    "(signature against the provider's JWKS, issuer, audience, expiry, nonce), then finds, links or provisions the " +
    "person and applies group mappings. Sets the session cookie. Failures redirect to /login?sso_error=….",
  request: { query: CallbackQuery },
  responses: { 302: { description: "Into the dashboard signed in, or to /login?sso_error=…" } },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const q = c.req.valid("query");
    const cookieState = getCookie(c, SSO_STATE_COOKIE);
    deleteCookie(c, SSO_STATE_COOKIE, { path: "/api/v1/auth/sso", secure: true });
    try {
      if (!q.state) throw new SsoError("the provider's answer has no state; start again");
      const now = c.get("clock").now();
      const done = await finishSsoSignIn(
        c.env,
        c.get("controlDb"),
        { state: q.state, cookieState, callbackUrl: new URL(c.req.url), origin: appOrigin(c) },
        { ip: clientIp(c), requestId: c.get("requestId"), now },
      );
      await startSession(c, done.user, done.tenant, "sso");
      return c.redirect(done.returnTo, 302);
    } catch (err) {
      if (err instanceof ApiError) return ssoFailure(c, new SsoError(err.message), requestLog(c));
      return ssoFailure(c, err, requestLog(c));
    }
  });
}
