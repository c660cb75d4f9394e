import { meRoutes } from "./me";

/** Routers that require a principal, mounted under /api/v1 behind the auth middleware. */
export const apiRouters = [meRoutes];
