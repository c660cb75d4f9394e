import { createRouter } from "../../context";
import * as get from "./get";
import * as list from "./list";

export const webhookDeliveryRoutes = createRouter();
for (const op of [list, get]) op.register(webhookDeliveryRoutes);
