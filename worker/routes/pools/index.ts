import { createRouter } from "../../context";
import * as create from "./create";
import * as get from "./get";
import * as list from "./list";
import * as remove from "./remove";
import * as update from "./update";

export const poolRoutes = createRouter();
for (const op of [list, get, create, update, remove]) op.register(poolRoutes);
