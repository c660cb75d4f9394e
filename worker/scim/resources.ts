import type { ScimGroupRow } from "../db/repo/scim/groups";
import type { ScimUserRow } from "../db/repo/scim/users";

export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/** The weak ETag of a resource version (RFC 7644 §3.14); also `meta.version`. */
export const etagOf = (version: number) => `W/"${version}"`;

const meta = (resourceType: "User" | "Group", row: { createdAt: number; updatedAt: number; version: number }, location: string) => ({
  resourceType,
  created: new Date(row.createdAt).toISOString(),
  lastModified: new Date(row.updatedAt).toISOString(),
  location,
  version: etagOf(row.version),
});

export function userResource(row: ScimUserRow, base: string, groups: Array<{ id: string; displayName: string }>) {
  return {
    schemas: [USER_SCHEMA],
    id: row.id,
    ...(row.externalId ? { externalId: row.externalId } : {}),
    userName: row.userName,
    name: { ...(row.givenName ? { givenName: row.givenName } : {}), ...(row.familyName ? { familyName: row.familyName } : {}) },
    ...(row.displayName ? { displayName: row.displayName } : {}),
    emails: [{ value: row.userName, type: "work", primary: true }],
    active: row.active,
    groups: groups.map((g) => ({ value: g.id, display: g.displayName, $ref: `${base}/Groups/${g.id}` })),
    meta: meta("User", row, `${base}/Users/${row.id}`),
  };
}

export function groupResource(row: ScimGroupRow, base: string, members: Array<{ id: string; userName: string }> | null) {
  return {
    schemas: [GROUP_SCHEMA],
    id: row.id,
    ...(row.externalId ? { externalId: row.externalId } : {}),
    displayName: row.displayName,
    ...(members ? { members: members.map((m) => ({ value: m.id, display: m.userName, $ref: `${base}/Users/${m.id}` })) } : {}),
    meta: meta("Group", row, `${base}/Groups/${row.id}`),
  };
}

export function listResponse<T>(resources: T[], total: number, startIndex: number) {
  return { schemas: [LIST_SCHEMA], totalResults: total, startIndex, itemsPerPage: resources.length, Resources: resources };
}
