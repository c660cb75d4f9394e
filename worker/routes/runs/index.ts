import { createRouter } from "../../context";
import * as act from "./act";
import * as backfill from "./backfill";
import * as create from "./create";
import * as events from "./events";
import * as get from "./get";
import * as list from "./list";
import * as logs from "./logs";

export const runRoutes = createRouter();
for (const op of [create, list, get, events, logs, act, backfill]) op.register(runRoutes);
