import { Hono } from "hono";
import type { AppEnv } from "../../context";
import { ApiError } from "../../lib/errors";
import { errorFields } from "../../lib/log";
import { requestLog } from "../../lib/request";
import { bodyLimit } from "../../middleware/body-limit";
import { ScimError } from "../../scim/errors";
import { registerGroups } from "./groups";
import { registerUsers } from "./users";

/**
 * SCIM 2.0 (RFC 7643/7644) at /scim/v2, for the tenant's identity provider: Users and Groups, authenticated by the
 * tenant's SCIM token. It speaks SCIM's own media type and error shape, so it is not part of the OpenAPI document;
 * docs/sso.md describes it.
 */
export const scimRoutes = new Hono<AppEnv>();
scimRoutes.use("*", bodyLimit);

scimRoutes.get("/ServiceProviderConfig", (c) =>
  c.body(
    JSON.stringify({
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
      documentationUri: "https://github.com/tutti/tutti/blob/main/docs/sso.md",
      patch: { supported: true },
      bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
      filter: { supported: true, maxResults: 200 },
      changePassword: { supported: false },
      sort: { supported: false },
      etag: { supported: true },
      authenticationSchemes: [{ type: "oauthbearertoken", name: "Bearer token", description: "The workspace's SCIM token (Settings → Single sign-on)" }],
    }),
    200,
    { "content-type": "application/scim+json" },
  ),
);
registerUsers(scimRoutes);
registerGroups(scimRoutes);
scimRoutes.all("*", () => {
  throw new ScimError(404, "no such SCIM endpoint");
});

scimRoutes.onError((err, c) => {
  let scim: ScimError;
  if (err instanceof ScimError) scim = err;
  else if (err instanceof ApiError && err.code === "payload_too_large") scim = new ScimError(413, err.message);
  else {
    requestLog(c).error("SCIM request failed", errorFields(err));
    scim = new ScimError(500, "internal error; quote the X-Request-Id when reporting it");
  }
  return c.body(JSON.stringify(scim.body()), scim.status, { "content-type": "application/scim+json" });
});
