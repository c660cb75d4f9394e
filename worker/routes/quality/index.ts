import { createRouter } from "../../context";
import * as create from "./create";

export const qualityRoutes = createRouter();
create.register(qualityRoutes);
