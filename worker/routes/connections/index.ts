import { createRouter } from "../../context";
import * as create from "./create";
import * as get from "./get";
import * as kinds from "./kinds";
import * as list from "./list";
import * as remove from "./remove";
import * as rotate from "./rotate";
import * as test from "./test";
import * as update from "./update";

export const connectionRoutes = createRouter();
for (const op of [kinds, list, create, get, update, remove, rotate, test]) op.register(connectionRoutes);
