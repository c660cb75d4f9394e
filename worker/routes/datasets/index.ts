import { createRouter } from "../../context";
import * as columnLineage from "./column-lineage";
import * as events from "./events";
import * as get from "./get";
import * as list from "./list";
import * as quality from "./quality";
import * as runs from "./runs";
import * as update from "./update";

export const datasetRoutes = createRouter();
for (const op of [list, get, update, runs, events, quality, columnLineage]) op.register(datasetRoutes);
