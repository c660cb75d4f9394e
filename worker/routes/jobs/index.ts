import { createRouter } from "../../context";
import * as get from "./get";
import * as list from "./list";
import * as runs from "./runs";

export const jobRoutes = createRouter();
for (const op of [list, get, runs]) op.register(jobRoutes);
