import { createRouter } from "../../context";
import * as act from "./act";
import * as get from "./get";
import * as list from "./list";
import * as retry from "./retry";

export const backfillRoutes = createRouter();
for (const op of [list, get, act, retry]) op.register(backfillRoutes);
