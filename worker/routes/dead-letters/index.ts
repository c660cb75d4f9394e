import { createRouter } from "../../context";
import * as list from "./list";
import * as redeliver from "./redeliver";

export const deadLetterRoutes = createRouter();
for (const op of [list, redeliver]) op.register(deadLetterRoutes);
