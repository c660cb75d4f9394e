import { createRouter } from "../../context";
import * as act from "./act";
import * as backfill from "./backfill";
import * as create from "./create";
import * as events from "./events";
import * as get from "./get";
import * as list from "./list";
import * as logs from "./logs";
import * as timeline from "./timeline";

export const runRoutes = createRouter();
// The timeline before `get`, so /runs/timeline is not read as a run id.
for (const op of [create, list, timeline, get, events, logs, act, backfill]) op.register(runRoutes);
