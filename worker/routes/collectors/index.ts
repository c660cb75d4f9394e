import { createRouter } from "../../context";
import * as collect from "./collect";
import * as list from "./list";
import * as pass from "./pass";
import * as runs from "./runs";
import * as update from "./update";

export const collectorRoutes = createRouter();
for (const op of [list, update, runs, pass, collect]) op.register(collectorRoutes);
