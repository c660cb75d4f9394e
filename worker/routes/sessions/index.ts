import { createRouter } from "../../context";
import * as end from "./end";
import * as list from "./list";

export const sessionRoutes = createRouter();
for (const op of [list, end]) op.register(sessionRoutes);
