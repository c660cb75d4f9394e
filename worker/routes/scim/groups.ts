import type { Hono } from "hono";
import type { AppEnv } from "../../context";
import { getScimGroup, listScimGroups, membersOfGroups, type ScimGroupFilter } from "../../db/repo/scim/groups";
import { ScimError, scimNotFound } from "../../scim/errors";
import { pageOf, parseFilter } from "../../scim/filter";
import { createScimGroup, deleteScimGroup, groupChangeOf, groupFieldsOf, updateScimGroup } from "../../scim/groups";
import { normalisePatch } from "../../scim/patch";
import { groupResource, listResponse } from "../../scim/resources";
import { checkIfMatch, notModified, scimBody, scimContext, scimJson } from "./context";

const GROUP_FILTERS: Record<string, NonNullable<ScimGroupFilter>["attribute"]> = { displayname: "displayName", externalid: "externalId", id: "id" };

/** `excludedAttributes=members` (Entra's lookups) leaves members out; so does `attributes` without members. */
const withMembers = (excluded: string | undefined, attributes: string | undefined) =>
  !(excluded ?? "")
    .toLowerCase()
    .split(",")
    .map((a) => a.trim())
    .includes("members") &&
  (attributes === undefined ||
    attributes
      .toLowerCase()
      .split(",")
      .map((a) => a.trim())
      .includes("members"));

export function registerGroups(app: Hono<AppEnv>) {
  app.get("/Groups", async (c) => {
    const { ctx, base } = await scimContext(c);
    const filter = parseFilter(c.req.query("filter"), GROUP_FILTERS) as ScimGroupFilter;
    const page = pageOf({ startIndex: c.req.query("startIndex"), count: c.req.query("count") });
    const { total, rows } = await listScimGroups(ctx, filter, page);
    const members = withMembers(c.req.query("excludedAttributes"), c.req.query("attributes"))
      ? await membersOfGroups(
          ctx,
          rows.map((r) => r.id),
        )
      : null;
    const resources = rows.map((r) => groupResource(r, base, members ? members.filter((m) => m.groupId === r.id) : null));
    return scimJson(c, 200, listResponse(resources, total, page.startIndex));
  });

  app.post("/Groups", async (c) => {
    const { ctx, source, base } = await scimContext(c);
    const fields = groupFieldsOf(await scimBody(c));
    if ((await listScimGroups(ctx, { attribute: "displayName", value: fields.displayName }, { offset: 0, count: 1 })).total > 0)
      throw new ScimError(409, "a group with that displayName exists", "uniqueness");
    const group = await createScimGroup(ctx, source, fields);
    return scimJson(c, 201, groupResource(group, base, await membersOfGroups(ctx, [group.id])), group.version);
  });

  app.get("/Groups/:id", async (c) => {
    const { ctx, base } = await scimContext(c);
    const group = await getScimGroup(ctx, c.req.param("id"));
    if (!group) throw scimNotFound("group");
    if (notModified(c, group.version)) return c.body(null, 304);
    const members = withMembers(c.req.query("excludedAttributes"), c.req.query("attributes")) ? await membersOfGroups(ctx, [group.id]) : null;
    return scimJson(c, 200, groupResource(group, base, members), group.version);
  });

  app.put("/Groups/:id", async (c) => {
    const { ctx, source, base } = await scimContext(c);
    const group = await getScimGroup(ctx, c.req.param("id"));
    if (!group) throw scimNotFound("group");
    checkIfMatch(c, group.version);
    const fields = groupFieldsOf(await scimBody(c));
    const updated = await updateScimGroup(ctx, source, group, {
      displayName: fields.displayName,
      externalId: fields.externalId,
      members: fields.members ?? [],
    });
    return scimJson(c, 200, groupResource(updated, base, await membersOfGroups(ctx, [group.id])), updated.version);
  });

  // Entra expects 204 from a group PATCH; Okta accepts 204 too (RFC 7644 §3.5.2 allows it).
  app.patch("/Groups/:id", async (c) => {
    const { ctx, source } = await scimContext(c);
    const group = await getScimGroup(ctx, c.req.param("id"));
    if (!group) throw scimNotFound("group");
    checkIfMatch(c, group.version);
    const updated = await updateScimGroup(ctx, source, group, groupChangeOf(normalisePatch(await scimBody(c))));
    return c.body(null, 204, { etag: `W/"${updated.version}"` });
  });

  app.delete("/Groups/:id", async (c) => {
    const { ctx, source } = await scimContext(c);
    const group = await getScimGroup(ctx, c.req.param("id"));
    if (!group) throw scimNotFound("group");
    checkIfMatch(c, group.version);
    await deleteScimGroup(ctx, source, group);
    return c.body(null, 204);
  });
}
