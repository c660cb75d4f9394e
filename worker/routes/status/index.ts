import { createRouter } from "../../context";
import * as confirm from "./confirm";
import * as get from "./get";
import * as subscribe from "./subscribe";
import * as unsubscribe from "./unsubscribe";
import { privateAnswers } from "./shared";

/** Public status pages and their subscriptions: mounted before the auth middleware; the link's token is the credential. */
export const statusPublicRoutes = createRouter();
statusPublicRoutes.use("/status/*", privateAnswers);
// The fixed paths first, so `/status/confirm` is never read as a share token.
for (const op of [confirm, unsubscribe, get, subscribe]) op.register(statusPublicRoutes);
