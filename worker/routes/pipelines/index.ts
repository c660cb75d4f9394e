import { createRouter } from "../../context";
import * as archive from "./archive";
import * as get from "./get";
import * as history from "./history";
import * as list from "./list";
import * as pause from "./pause";
import * as push from "./push";
import * as resume from "./resume";
import * as schema from "./schema";
import * as triggers from "./triggers";
import * as webhookSecret from "./webhook-secret";
import * as versionsDiff from "./versions-diff";
import * as versionsGet from "./versions-get";
import * as versionsList from "./versions-list";

export const pipelineRoutes = createRouter();
for (const op of [push, list, get, history, triggers, webhookSecret, versionsList, versionsGet, versionsDiff, pause, resume, archive])
  op.register(pipelineRoutes);

/** The editor schema is public, so editors can fetch it without a token. */
export const pipelinePublicRoutes = createRouter();
schema.register(pipelinePublicRoutes);
