import { createRouter } from "../../context";
import * as login from "./login";
import * as logout from "./logout";
import * as mfa from "./mfa";
import * as mfaPasskeyOptions from "./mfa-passkey-options";
import * as passwordReset from "./password-reset";
import * as passwordResetRequest from "./password-reset-request";
import * as signup from "./signup";
import * as ssoCallback from "./sso-callback";
import * as ssoStart from "./sso-start";
import * as verify from "./verify";

/** Public routes: no principal yet. */
export const authRoutes = createRouter();
for (const op of [signup, verify, login, mfa, mfaPasskeyOptions, logout, passwordResetRequest, passwordReset, ssoStart, ssoCallback]) op.register(authRoutes);
