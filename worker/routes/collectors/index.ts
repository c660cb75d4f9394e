import { createRouter } from "../../context";
import * as list from "./list";
import * as runs from "./runs";
import * as update from "./update";

export const collectorRoutes = createRouter();
for (const op of [list, update, runs]) op.register(collectorRoutes);
