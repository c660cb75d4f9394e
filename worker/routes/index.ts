import { auditLogRoutes } from "./audit-log";
import { connectionRoutes } from "./connections";
import { invitationRoutes } from "./invitations";
import { meRoutes } from "./me";
import { runRoutes } from "./runs";
import { memberRoutes } from "./members";
import { pipelineRoutes } from "./pipelines";
import { teamRoutes } from "./teams";
import { tokenRoutes } from "./tokens";

/** Routers that require a principal, mounted under /api/v1 behind the auth middleware. */
export const apiRouters = [meRoutes, teamRoutes, memberRoutes, invitationRoutes, tokenRoutes, connectionRoutes, auditLogRoutes, pipelineRoutes, runRoutes];
