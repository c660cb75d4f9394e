import { createRouter } from "../../context";
import * as impact from "./impact";

export const ciRoutes = createRouter();
impact.register(ciRoutes);
