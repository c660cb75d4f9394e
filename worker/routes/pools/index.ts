import { createRouter } from "../../context";
import * as create from "./create";
import * as list from "./list";
import * as remove from "./remove";
import * as update from "./update";

export const poolRoutes = createRouter();
for (const op of [list, create, update, remove]) op.register(poolRoutes);
