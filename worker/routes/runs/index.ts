import { createRouter } from "../../context";
import * as act from "./act";
import * as backfill from "./backfill";
import * as create from "./create";
import * as events from "./events";
import * as get from "./get";
import * as list from "./list";

export const runRoutes = createRouter();
for (const op of [create, list, get, events, act, backfill]) op.register(runRoutes);
