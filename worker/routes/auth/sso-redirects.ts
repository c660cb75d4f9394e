import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { errorFields, type Logger } from "../../lib/log";
import { SsoError } from "../../sso/oidc";

/** Cookie holding the state of the sign-in under way, only for /api/v1/auth/sso. */
export const SSO_STATE_COOKIE = "tutti_sso_state";

/**
 * SSO routes are browser navigations, not API calls: a failure goes back to the sign-in page with the reason
 * (`/login?sso_error=…`), which shows it. Reasons are the SsoError texts, never a token; anything else is logged and
 * shown as a generic failure.
 */
export function ssoFailure(c: Context<AppEnv>, err: unknown, log: Logger) {
  if (!(err instanceof SsoError)) {
    log.error("single sign-on failed", errorFields(err));
    return c.redirect(`/login?sso_error=${encodeURIComponent("single sign-on failed; try again or ask your workspace owner")}`, 302);
  }
  log.info("single sign-on refused", { reason: err.message });
  return c.redirect(`/login?sso_error=${encodeURIComponent(err.message)}`, 302);
}
