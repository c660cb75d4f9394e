import { createRouter } from "../../context";
import * as create from "./create";
import * as list from "./list";
import * as revoke from "./revoke";

export const tokenRoutes = createRouter();
for (const op of [create, list, revoke]) op.register(tokenRoutes);
