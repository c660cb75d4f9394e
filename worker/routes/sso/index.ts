import { createRouter } from "../../context";
import * as domains from "./domains";
import * as get from "./get";
import * as groupMappings from "./group-mappings";
import * as scimToken from "./scim-token";
import * as update from "./update";

/** Settings → Single sign-on: the tenant's OpenID provider, domains, group mappings and SCIM token. */
export const ssoRoutes = createRouter();
for (const op of [get, update, domains, groupMappings, scimToken]) op.register(ssoRoutes);
