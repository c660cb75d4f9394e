import type { BatchItem } from "drizzle-orm/batch";
import { batchSides, type TenantCtx } from "../db/client";
import { findTeamBySlug, newTeamStatements } from "../db/repo/accounts/teams";
import type { AuditSource } from "../db/repo/platform/audit";
import {
  deleteScimGroupStatements,
  groupMembershipStatements,
  insertScimGroupStatement,
  listScimGroups,
  membersOfGroups,
  scimGroupAudit,
  scimUsersByIds,
  updateScimGroupStatement,
  type ScimGroupRow,
} from "../db/repo/scim/groups";
import { teamChangeStatements, type SideStatements } from "../db/repo/scim/users";
import { teams } from "../db/schema";
import { isUniqueViolation } from "../db/unique";
import { newId } from "../lib/ids";
import { slugify } from "../lib/slug";
import { and, eq } from "drizzle-orm";
import { ScimError } from "./errors";
import { scimString, type PatchOp } from "./patch";

/**
 * A SCIM Group is one team: created with the group (or, when a team of that name exists and no group has it yet,
 * that team), renamed with it, kept when the group is deleted (its pipelines and connections are the team's).
 * Its members are the team's members while their SCIM user is active; people added to the team by hand stay.
 */

const lower = (o: unknown): Record<string, unknown> =>
  typeof o === "object" && o !== null && !Array.isArray(o) ? Object.fromEntries(Object.entries(o).map(([k, v]) => [k.toLowerCase(), v])) : {};

/** `[{value: "<scim user id>"}]` → ids. */
export function memberIds(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((m) => {
    const id = lower(m).value;
    if (typeof id !== "string" || !id) throw new ScimError(400, "members need a value (a user id)", "invalidValue");
    return id;
  });
}

export function groupFieldsOf(body: unknown) {
  const b = lower(body);
  const displayName = scimString(b.displayname, "displayName")?.trim();
  if (!displayName) throw new ScimError(400, "displayName is required", "invalidValue");
  return { displayName, externalId: scimString(b.externalid, "externalId"), members: b.members === undefined ? undefined : memberIds(b.members) };
}

/**
 * Member changes of one group: the SCIM rows (control database), and the team memberships of the active members
 * among them (the tenant's shard). `teamAdd` may name members the group has already: a request retried after its
 * control batch landed and its shard batch did not adds them to the team then (the insert is ON CONFLICT DO NOTHING).
 */
async function memberChangeStatements(
  ctx: TenantCtx,
  now: number,
  group: ScimGroupRow,
  add: string[],
  remove: string[],
  teamAdd = add,
): Promise<SideStatements> {
  const known = await scimUsersByIds(ctx, [...new Set([...teamAdd, ...add, ...remove])]);
  const byId = new Map(known.map((u) => [u.id, u]));
  const missing = add.find((id) => !byId.has(id));
  if (missing) throw new ScimError(400, `no user ${missing}`, "invalidValue");
  const inTenant = (ids: string[]) => ids.flatMap((id) => (byId.get(id)?.active && byId.get(id)?.role ? [byId.get(id)!.userId] : []));
  return {
    control: groupMembershipStatements(
      ctx,
      now,
      group.id,
      add,
      remove.filter((id) => byId.has(id)),
    ),
    shard: teamChangeStatements(ctx, now, group.teamId, inTenant(teamAdd), inTenant(remove)),
  };
}

export async function createScimGroup(ctx: TenantCtx, source: AuditSource, input: ReturnType<typeof groupFieldsOf>): Promise<ScimGroupRow> {
  const slug = slugify(input.displayName) || "group";
  const existing = await findTeamBySlug(ctx, slug);
  if (existing && (await listScimGroups(ctx, null, { offset: 0, count: 10_000 })).rows.some((g) => g.teamId === existing.id))
    throw new ScimError(409, `a group already provisions the team "${existing.name}"`, "uniqueness");
  const created = existing ? null : newTeamStatements(ctx, source, { name: input.displayName, slug, description: "Provisioned by SCIM" });
  const group: ScimGroupRow = {
    tenantId: ctx.tenantId,
    id: newId("scimGroup"),
    displayName: input.displayName,
    externalId: input.externalId,
    teamId: existing?.id ?? created!.team.id,
    version: 1,
    createdAt: source.now,
    updatedAt: source.now,
  };
  const members = await memberChangeStatements(ctx, source.now, group, input.members ?? [], []);
  // The team goes first, on its own: a create retried after a failure finds it without a group and takes it (above).
  // Two creates of one group at the same moment: one team, one group; the other create is a duplicate.
  const duplicate = (err: unknown) => {
    if (isUniqueViolation(err)) throw new ScimError(409, "a group with that displayName exists", "uniqueness");
    throw err;
  };
  if (created) await ctx.db.batch([...created.statements]).catch(duplicate);
  await ctx.control.batch([insertScimGroupStatement(ctx, group), ...members.control]).catch(duplicate);
  await ctx.db.batch([
    scimGroupAudit(ctx, source, "scim.group_created", group.id, group.teamId, { display_name: group.displayName, existing_team: existing != null }),
    ...members.shard,
  ]);
  return group;
}

/** PUT (members given: the full list) or PATCH (member adds and removes), and renames, in one batch. */
export async function updateScimGroup(
  ctx: TenantCtx,
  source: AuditSource,
  group: ScimGroupRow,
  change: { displayName?: string; externalId?: string | null; members?: string[]; add?: string[]; remove?: string[] | "all" },
) {
  const current = (await membersOfGroups(ctx, [group.id])).map((m) => m.id);
  let add = change.add ?? [];
  let remove = change.remove === "all" ? current : (change.remove ?? []);
  if (change.members) {
    add = change.members.filter((id) => !current.includes(id));
    remove = current.filter((id) => !change.members!.includes(id));
  }
  // Everyone the request puts in the group joins the team, members already or not (a retry completes a lost shard write).
  const teamAdd = [...new Set(change.members ?? add)];
  add = [...new Set(add)].filter((id) => !current.includes(id));
  remove = [...new Set(remove)].filter((id) => current.includes(id));
  const next = {
    ...group,
    displayName: change.displayName ?? group.displayName,
    externalId: change.externalId !== undefined ? change.externalId : group.externalId,
  };
  const renamed = next.displayName !== group.displayName;
  const members = await memberChangeStatements(ctx, source.now, group, add, remove, teamAdd);
  if (!renamed && next.externalId === group.externalId && !add.length && !remove.length) {
    // Nothing of the group changes; the team may still lack members a lost shard write was to add.
    if (members.shard.length) await ctx.db.batch(members.shard as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
    return group;
  }
  await batchSides(
    ctx,
    [updateScimGroupStatement(ctx, source.now, group), ...members.control],
    [
      ...(renamed
        ? [
            ctx.db
              .update(teams)
              .set({ name: next.displayName })
              .where(and(eq(teams.tenantId, ctx.tenantId), eq(teams.id, group.teamId))),
          ]
        : []),
      ...members.shard,
      scimGroupAudit(ctx, source, "scim.group_updated", group.id, group.teamId, {
        ...(renamed ? { display_name: next.displayName } : {}),
        members_added: add,
        members_removed: remove,
      }),
    ],
  );
  return { ...next, version: group.version + 1 };
}

/** A group's PATCH operations → one change (Okta: add/remove members; Entra: "Add"/"Remove" with value lists, "Replace" displayName). */
export function groupChangeOf(ops: PatchOp[]) {
  const change: { displayName?: string; externalId?: string | null; add: string[]; remove: string[] | "all"; members?: string[] } = { add: [], remove: [] };
  for (const op of ops) {
    if (op.path === "displayname") {
      const name = scimString(op.value, "displayName")?.trim();
      if (!name) throw new ScimError(400, "displayName cannot be empty", "invalidValue");
      change.displayName = name;
    } else if (op.path === "externalid") change.externalId = op.op === "remove" ? null : scimString(op.value, "externalId");
    else if (op.path === "members") {
      const ids = op.filterValue !== undefined ? [op.filterValue] : memberIds(op.value);
      if (op.op === "add") change.add.push(...ids);
      else if (op.op === "replace") change.members = ids;
      else if (op.filterValue === undefined && op.value === undefined) change.remove = "all";
      else if (change.remove !== "all") change.remove.push(...ids);
    }
    // Anything else (`id`, `schemas`, extension attributes) Tutti does not keep: accepted, ignored, as for users.
  }
  return change;
}

/** DELETE /Groups/{id}: the group's members leave its team (people added by hand stay); the team stays. */
export async function deleteScimGroup(ctx: TenantCtx, source: AuditSource, group: ScimGroupRow) {
  const members = await membersOfGroups(ctx, [group.id]);
  await batchSides(ctx, deleteScimGroupStatements(ctx, group.id), [
    ...teamChangeStatements(
      ctx,
      source.now,
      group.teamId,
      [],
      members.filter((m) => m.active).map((m) => m.userId),
    ),
    scimGroupAudit(ctx, source, "scim.group_deleted", group.id, group.teamId, { display_name: group.displayName }),
  ]);
}
