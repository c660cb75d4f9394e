import { createRouter } from "../../context";
import * as get from "./get";
import * as list from "./list";

export const ownerRoutes = createRouter();
for (const op of [list, get]) op.register(ownerRoutes);
