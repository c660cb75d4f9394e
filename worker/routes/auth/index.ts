import { createRouter } from "../../context";
import * as login from "./login";
import * as logout from "./logout";
import * as passwordReset from "./password-reset";
import * as passwordResetRequest from "./password-reset-request";
import * as signup from "./signup";
import * as ssoCallback from "./sso-callback";
import * as ssoStart from "./sso-start";
import * as verify from "./verify";

/** Public routes: no principal yet. */
export const authRoutes = createRouter();
for (const op of [signup, verify, login, logout, passwordResetRequest, passwordReset, ssoStart, ssoCallback]) op.register(authRoutes);
