import { createRouter } from "../../context";
import * as list from "./list";

export const auditLogRoutes = createRouter();
list.register(auditLogRoutes);
