import { createRouter } from "../../context";
import * as retention from "./retention";
import * as usage from "./usage";

/** Workspace-wide settings and figures: retention, quotas and usage. */
export const workspaceRoutes = createRouter();
retention.register(workspaceRoutes);
usage.register(workspaceRoutes);
