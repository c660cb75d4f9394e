import { createRouter } from "../../context";
import * as create from "./create";
import * as get from "./get";
import * as impact from "./impact";
import * as lineage from "./lineage";
import * as list from "./list";
import * as ranking from "./ranking";
import * as remove from "./remove";
import * as scorecard from "./scorecard";
import * as update from "./update";

export const productRoutes = createRouter();
for (const op of [ranking, impact, list, create, get, update, remove, scorecard, lineage]) op.register(productRoutes);
