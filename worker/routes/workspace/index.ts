import { createRouter } from "../../context";
import * as remove from "./delete";
import * as exportsCreate from "./exports-create";
import * as exportsDownload from "./exports-download";
import * as exportsGet from "./exports-get";
import * as exportsList from "./exports-list";

export const workspaceRoutes = createRouter();
for (const op of [exportsCreate, exportsList, exportsGet, exportsDownload, remove]) op.register(workspaceRoutes);
