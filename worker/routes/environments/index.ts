import { createRouter } from "../../context";
import * as list from "./list";
import * as put from "./put";
import * as remove from "./remove";

export const environmentRoutes = createRouter();
for (const op of [list, put, remove]) op.register(environmentRoutes);
