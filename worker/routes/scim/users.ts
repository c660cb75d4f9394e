import type { Hono } from "hono";
import type { AppEnv } from "../../context";
import { groupsOfScimUser, getScimUser, listScimUsers, type ScimUserFilter } from "../../db/repo/scim/users";
import { ScimError, scimNotFound } from "../../scim/errors";
import { pageOf, parseFilter } from "../../scim/filter";
import { normalisePatch } from "../../scim/patch";
import { listResponse, userResource } from "../../scim/resources";
import { createScimUser, deleteScimUser, fieldsOfRow, patchUserFields, updateScimUser, userFieldsOf } from "../../scim/users";
import { checkIfMatch, notModified, scimBody, scimContext, scimJson } from "./context";

const USER_FILTERS: Record<string, NonNullable<ScimUserFilter>["attribute"]> = {
  username: "userName",
  externalid: "externalId",
  id: "id",
  "emails.value": "userName",
  'emails[type eq "work"].value': "userName",
};

export function registerUsers(app: Hono<AppEnv>) {
  app.get("/Users", async (c) => {
    const { ctx, base } = await scimContext(c);
    const filter = parseFilter(c.req.query("filter"), USER_FILTERS) as ScimUserFilter;
    const page = pageOf({ startIndex: c.req.query("startIndex"), count: c.req.query("count") });
    const { total, rows } = await listScimUsers(ctx, filter, page);
    const resources = await Promise.all(rows.map(async (r) => userResource(r, base, await groupsOfScimUser(ctx, r.id))));
    return scimJson(c, 200, listResponse(resources, total, page.startIndex));
  });

  app.post("/Users", async (c) => {
    const { ctx, source, defaultRole, base } = await scimContext(c);
    const fields = userFieldsOf(await scimBody(c));
    if ((await listScimUsers(ctx, { attribute: "userName", value: fields.userName }, { offset: 0, count: 1 })).total > 0)
      throw new ScimError(409, "userName already exists", "uniqueness");
    const row = await createScimUser(ctx, source, fields, defaultRole);
    return scimJson(c, 201, userResource(row, base, []), row.version);
  });

  app.get("/Users/:id", async (c) => {
    const { ctx, base } = await scimContext(c);
    const row = await getScimUser(ctx, c.req.param("id"));
    if (!row) throw scimNotFound("user");
    if (notModified(c, row.version)) return c.body(null, 304);
    return scimJson(c, 200, userResource(row, base, await groupsOfScimUser(ctx, row.id)), row.version);
  });

  app.put("/Users/:id", async (c) => {
    const { ctx, source, defaultRole, base } = await scimContext(c);
    const row = await getScimUser(ctx, c.req.param("id"));
    if (!row) throw scimNotFound("user");
    checkIfMatch(c, row.version);
    const updated = await updateScimUser(ctx, source, row, userFieldsOf(await scimBody(c), row.active), defaultRole);
    return scimJson(c, 200, userResource(updated, base, await groupsOfScimUser(ctx, row.id)), updated.version);
  });

  app.patch("/Users/:id", async (c) => {
    const { ctx, source, defaultRole, base } = await scimContext(c);
    const row = await getScimUser(ctx, c.req.param("id"));
    if (!row) throw scimNotFound("user");
    checkIfMatch(c, row.version);
    const next = patchUserFields(fieldsOfRow(row), normalisePatch(await scimBody(c)));
    const updated = await updateScimUser(ctx, source, row, next, defaultRole);
    return scimJson(c, 200, userResource(updated, base, await groupsOfScimUser(ctx, row.id)), updated.version);
  });

  app.delete("/Users/:id", async (c) => {
    const { ctx, source } = await scimContext(c);
    const row = await getScimUser(ctx, c.req.param("id"));
    if (!row) throw scimNotFound("user");
    checkIfMatch(c, row.version);
    await deleteScimUser(ctx, source, row);
    return c.body(null, 204);
  });
}
