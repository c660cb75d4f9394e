import { createRouter } from "../../context";
import * as projectGet from "./project-get";
import * as projectManifest from "./project-manifest";
import * as projectNodes from "./project-nodes";
import * as projectUploads from "./project-uploads";
import * as projectsList from "./projects-list";
import * as upload from "./upload";
import * as uploadArtifact from "./upload-artifact";
import * as uploadGet from "./upload-get";

export const dbtRoutes = createRouter();
for (const op of [upload, projectsList, projectManifest, projectGet, projectNodes, projectUploads, uploadGet, uploadArtifact]) op.register(dbtRoutes);
