import { createRouter } from "../../context";
import * as act from "./act";
import * as assign from "./assign";
import * as get from "./get";
import * as list from "./list";
import * as notes from "./notes";
import * as summary from "./summary";

export const alertRoutes = createRouter();
// summary before get: "/alerts/summary" must not be read as an alert id.
for (const op of [list, summary, get, act, assign, notes]) op.register(alertRoutes);
