/** Settings → Single sign-on: the workspace's OpenID provider, domains, group mappings and SCIM token. */
import { client, data } from "./client";
import type { SsoGroupMappingInput, SsoSettingsUpdate } from "./types";

export const ssoApi = {
  settings: () => data(client.GET("/sso")),
  update: (body: SsoSettingsUpdate) => data(client.PATCH("/sso", { body })),
  addDomain: (domain: string) => data(client.POST("/sso/domains", { body: { domain } })),
  removeDomain: (domain: string) => data(client.DELETE("/sso/domains/{domain}", { params: { path: { domain } } })),
  replaceMappings: (mappings: SsoGroupMappingInput[]) => data(client.PUT("/sso/group-mappings", { body: { mappings } })),
  rotateScimToken: () => data(client.POST("/sso/scim-token")),
  revokeScimToken: () => data(client.DELETE("/sso/scim-token")),
};

/** Where the sign-in page sends the browser to sign in through the workspace's provider. */
export const ssoStartUrl = (email: string, returnTo: string) =>
  `/api/v1/auth/sso/start?${new URLSearchParams({ email, ...(returnTo !== "/" ? { return_to: returnTo } : {}) })}`;
