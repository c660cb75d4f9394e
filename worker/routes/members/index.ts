import { createRouter } from "../../context";
import * as list from "./list";
import * as remove from "./remove";
import * as update from "./update";

export const memberRoutes = createRouter();
for (const op of [list, update, remove]) op.register(memberRoutes);
