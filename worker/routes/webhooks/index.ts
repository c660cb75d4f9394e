import { Hono } from "hono";
import type { AppEnv } from "../../context";
import { callbackRoutes } from "./callback";

/** Public webhook receivers: each authenticates its sender itself (signature or signed URL). */
export const webhookRoutes = new Hono<AppEnv>();
webhookRoutes.route("/", callbackRoutes);
