import { createRouter } from "../../context";
import * as login from "./login";
import * as logout from "./logout";
import * as signup from "./signup";

/** Public routes: no principal yet. */
export const authRoutes = createRouter();
for (const op of [signup, login, logout]) op.register(authRoutes);
