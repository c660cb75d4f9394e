import { createRouter } from "../../context";
import * as remove from "./delete";
import * as exportsCreate from "./exports-create";
import * as exportsDownload from "./exports-download";
import * as exportsGet from "./exports-get";
import * as exportsList from "./exports-list";
import * as mfa from "./mfa";
import * as retention from "./retention";
import * as usage from "./usage";

/** Workspace-wide settings and figures (retention, quotas, usage) and the workspace's own data (export, deletion). */
export const workspaceRoutes = createRouter();
for (const op of [retention, mfa, usage, exportsCreate, exportsList, exportsGet, exportsDownload, remove]) op.register(workspaceRoutes);
