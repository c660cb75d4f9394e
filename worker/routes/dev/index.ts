import { createRouter } from "../../context";
import * as mail from "./mail";

/** Public, and present only in local development (each route answers 404 elsewhere). */
export const devRoutes = createRouter();
mail.register(devRoutes);
