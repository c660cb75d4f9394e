import { createRouter } from "../../context";
import * as get from "./get";
import * as signOutEverywhere from "./sign-out-everywhere";

export const meRoutes = createRouter();
for (const op of [get, signOutEverywhere]) op.register(meRoutes);
