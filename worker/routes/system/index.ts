import { createRouter } from "../../context";
import * as health from "./health";

export const systemRoutes = createRouter();
health.register(systemRoutes);
