import { createRouter } from "../../context";
import * as create from "./create";
import * as list from "./list";
import * as remove from "./remove";
import * as test from "./test";
import * as update from "./update";

export const alertChannelRoutes = createRouter();
for (const op of [list, create, update, remove, test]) op.register(alertChannelRoutes);
