import { createRouter } from "../../context";
import * as events from "./events";
import * as get from "./get";

export const jobRunRoutes = createRouter();
for (const op of [get, events]) op.register(jobRunRoutes);
