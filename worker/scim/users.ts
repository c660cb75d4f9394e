import { batchSides, type TenantCtx } from "../db/client";
import { countOwners, getTenantMember, tenantMemberRemoval } from "../db/repo/accounts/members";
import type { AuditSource } from "../db/repo/platform/audit";
import {
  accountByEmail,
  deleteScimUserStatements,
  insertScimUserStatements,
  joinStatements,
  renameAccountStatement,
  scimAudit,
  teamsOfScimUser,
  tenantCountOf,
  updateScimUserStatement,
  type ScimUserRow,
  type SideStatements,
} from "../db/repo/scim/users";
import type { TenantRole } from "../db/schema/enums";
import { isUniqueViolation } from "../db/unique";
import { newId } from "../lib/ids";
import { ScimError } from "./errors";
import { scimBoolean, scimString, type PatchOp } from "./patch";

/** What Tutti keeps of a SCIM User. Other attributes (phone numbers, the enterprise extension…) are accepted and not kept. */
export interface UserFields {
  userName: string;
  externalId: string | null;
  displayName: string | null;
  givenName: string | null;
  familyName: string | null;
  active: boolean;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Attribute names are case-insensitive (RFC 7643 §2.1): a view of an object by lowercased keys. */
const lower = (o: unknown): Record<string, unknown> =>
  typeof o === "object" && o !== null && !Array.isArray(o) ? Object.fromEntries(Object.entries(o).map(([k, v]) => [k.toLowerCase(), v])) : {};

/**
 * A User resource of a POST or PUT → the fields Tutti keeps. The address of the account is `userName` (Okta and
 * Entra send the sign-in address there); when that is not an address, the primary or work e-mail is used.
 */
export function userFieldsOf(body: unknown, keepActive?: boolean): UserFields {
  const b = lower(body);
  const name = lower(b.name);
  const emails = Array.isArray(b.emails) ? (b.emails as unknown[]).map(lower) : [];
  const userName = scimString(b.username, "userName")?.trim();
  if (!userName) throw new ScimError(400, "userName is required", "invalidValue");
  const email = EMAIL.test(userName)
    ? userName
    : ((emails.find((e) => e.primary === true || e.primary === "True")?.value ?? emails.find((e) => e.type === "work")?.value) as string | undefined);
  if (!email || !EMAIL.test(email))
    throw new ScimError(400, "userName (or a primary e-mail) must be an e-mail address: Tutti accounts are addresses", "invalidValue");
  return {
    userName: email.toLowerCase(),
    externalId: scimString(b.externalid, "externalId"),
    displayName: scimString(b.displayname, "displayName"),
    givenName: scimString(name.givenname, "name.givenName"),
    familyName: scimString(name.familyname, "name.familyName"),
    // Okta's PUT may leave `active` out: it keeps its value then.
    active: b.active === undefined ? (keepActive ?? true) : scimBoolean(b.active, "active"),
  };
}

/** A User's PATCH operations applied to its fields (Okta's and Entra's shapes; see patch.ts). */
export function patchUserFields(current: UserFields, ops: PatchOp[]): UserFields {
  const next = { ...current };
  for (const op of ops) {
    const value = op.op === "remove" ? null : op.value;
    switch (op.path) {
      case "active":
        next.active = op.op === "remove" ? false : scimBoolean(value, "active");
        break;
      case "username": {
        const v = scimString(value, "userName")?.trim().toLowerCase();
        if (!v || !EMAIL.test(v)) throw new ScimError(400, "userName must be an e-mail address", "invalidValue");
        next.userName = v;
        break;
      }
      case "externalid":
        next.externalId = scimString(value, "externalId");
        break;
      case "displayname":
        next.displayName = scimString(value, "displayName");
        break;
      case "name.givenname":
        next.givenName = scimString(value, "name.givenName");
        break;
      case "name.familyname":
        next.familyName = scimString(value, "name.familyName");
        break;
      default:
        // Attributes Tutti does not keep (emails, phoneNumbers, title, the enterprise extension…): accepted, ignored.
        break;
    }
  }
  return next;
}

export const fieldsOfRow = (row: ScimUserRow): UserFields => ({
  userName: row.userName,
  externalId: row.externalId,
  displayName: row.displayName,
  givenName: row.givenName,
  familyName: row.familyName,
  active: row.active,
});

const displayOf = (f: UserFields) => f.displayName ?? ([f.givenName, f.familyName].filter(Boolean).join(" ") || f.userName.split("@")[0]);

/** A SCIM write: its control batch, then its shard batch (batchSides); each atomic, the pair not. */
const runBatches = (ctx: TenantCtx, w: SideStatements) => batchSides(ctx, w.control, w.shard);
const none = (): SideStatements => ({ control: [], shard: [] });

/**
 * Deprovisioning: the person leaves the tenant — sessions end and the API tokens they created are revoked in the
 * same batch (tenantMemberRemoval). The workspace's last owner cannot be deprovisioned from the provider.
 */
async function leaveStatements(ctx: TenantCtx, source: AuditSource, userId: string): Promise<SideStatements> {
  const member = await getTenantMember(ctx, userId);
  if (!member) return none();
  if (member.role === "owner" && (await countOwners(ctx)) <= 1)
    throw new ScimError(400, "the workspace's last owner cannot be deprovisioned; make someone else owner first", "mutability");
  return tenantMemberRemoval(ctx, source, member, "deprovisioned");
}

/** POST /Users: links the account with this address (or creates one without a password) and, when active, adds it to the tenant. */
export async function createScimUser(ctx: TenantCtx, source: AuditSource, fields: UserFields, defaultRole: TenantRole): Promise<ScimUserRow> {
  const account = await accountByEmail(ctx, fields.userName);
  const row: ScimUserRow = {
    tenantId: ctx.tenantId,
    id: newId("scimUser"),
    userId: account?.id ?? newId("user"),
    ...fields,
    version: 1,
    createdAt: source.now,
    updatedAt: source.now,
  };
  const join = fields.active ? joinStatements(ctx, source.now, row.userId, defaultRole, []) : none();
  await runBatches(ctx, {
    control: [...insertScimUserStatements(ctx, source.now, row, account ? null : { name: displayOf(fields) }), ...join.control],
    shard: [
      ...join.shard,
      scimAudit(ctx, source, "scim.user_created", row.id, {
        user_id: row.userId,
        user_name: row.userName,
        active: row.active,
        existing_account: account != null,
      }),
    ],
  }).catch((err) => {
    // Two creates of one person at the same moment: the unique indexes let one through, the other is a duplicate.
    if (isUniqueViolation(err)) throw new ScimError(409, "userName already exists", "uniqueness");
    throw err;
  });
  return row;
}

/** PUT or PATCH: the new fields, written with whatever joining or leaving the tenant a change of `active` means. */
export async function updateScimUser(
  ctx: TenantCtx,
  source: AuditSource,
  current: ScimUserRow,
  next: UserFields,
  defaultRole: TenantRole,
): Promise<ScimUserRow> {
  const before = fieldsOfRow(current);
  const changed = (Object.keys(next) as Array<keyof UserFields>).filter((k) => next[k] !== before[k]);
  const updated: ScimUserRow = { ...current, ...next, version: current.version + (changed.length ? 1 : 0), updatedAt: source.now };
  if (!changed.length) return current;
  const statements = none();
  if (next.userName !== before.userName) {
    const taken = await accountByEmail(ctx, next.userName);
    if (taken && taken.id !== current.userId) throw new ScimError(409, "another account uses that address", "uniqueness");
    if ((await tenantCountOf(ctx, current.userId)) > 1)
      throw new ScimError(400, "this account belongs to other workspaces too; its address cannot be changed from here", "mutability");
    statements.control.push(renameAccountStatement(ctx, current.userId, next.userName));
  }
  const membership =
    before.active && !next.active
      ? await leaveStatements(ctx, source, current.userId)
      : !before.active && next.active
        ? joinStatements(ctx, source.now, current.userId, defaultRole, await teamsOfScimUser(ctx, current.id))
        : none();
  statements.control.push(...membership.control, updateScimUserStatement(ctx, source.now, { ...updated, version: current.version }));
  const action = before.active && !next.active ? "scim.user_deactivated" : !before.active && next.active ? "scim.user_reactivated" : "scim.user_updated";
  statements.shard.push(...membership.shard, scimAudit(ctx, source, action, current.id, { user_id: current.userId, fields: changed }));
  await runBatches(ctx, statements);
  return updated;
}

/** DELETE /Users/{id}: deprovisions (as deactivation does) and forgets the SCIM record; the account itself stays. */
export async function deleteScimUser(ctx: TenantCtx, source: AuditSource, current: ScimUserRow) {
  const leave = current.active ? await leaveStatements(ctx, source, current.userId) : none();
  await runBatches(ctx, {
    control: [...leave.control, ...deleteScimUserStatements(ctx, current.id)],
    shard: [...leave.shard, scimAudit(ctx, source, "scim.user_deleted", current.id, { user_id: current.userId, user_name: current.userName })],
  });
}
