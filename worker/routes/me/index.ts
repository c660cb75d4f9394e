import { createRouter } from "../../context";
import * as get from "./get";

export const meRoutes = createRouter();
get.register(meRoutes);
