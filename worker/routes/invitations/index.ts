import { createRouter } from "../../context";
import * as accept from "./accept";
import * as create from "./create";
import * as list from "./list";
import * as lookup from "./lookup";
import * as revoke from "./revoke";

/** Admin routes, behind the auth middleware. */
export const invitationRoutes = createRouter();
for (const op of [create, list, revoke]) op.register(invitationRoutes);

/** Public routes used by the invitation link page: mounted before the auth middleware. */
export const invitationPublicRoutes = createRouter();
for (const op of [lookup, accept]) op.register(invitationPublicRoutes);
