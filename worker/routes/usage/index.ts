import { createRouter } from "../../context";
import * as ingest from "./ingest";

export const usageRoutes = createRouter();
ingest.register(usageRoutes);
