import { createRouter } from "../../context";
import * as explorer from "./explorer";
import * as exportCsv from "./export";
import * as ingest from "./ingest";
import * as list from "./list";
import * as reattribute from "./reattribute";
import * as settings from "./settings";

export const costRoutes = createRouter();
for (const op of [ingest, list, explorer, exportCsv, reattribute, settings]) op.register(costRoutes);
