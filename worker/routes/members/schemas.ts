import { z } from "@hono/zod-openapi";
import type { TenantMember } from "../../db/repo/accounts/members";
import { teamRoles, tenantRoles } from "../../db/schema/enums";

export const MemberOut = z
  .object({
    user_id: z.string(),
    email: z.string(),
    name: z.string(),
    role: z.enum(tenantRoles),
    teams: z.array(z.object({ id: z.string(), name: z.string(), role: z.enum(teamRoles) })),
  })
  .openapi("TenantMember");

export const MemberList = z.object({ items: z.array(MemberOut) }).openapi("TenantMemberList");

export const UpdateMemberBody = z.strictObject({ role: z.enum(tenantRoles) }).openapi("UpdateTenantMemberRequest");

export const UserIdParam = z.object({ userId: z.string().min(1).max(64) });

export const memberOut = (m: TenantMember): z.input<typeof MemberOut> => ({ user_id: m.userId, email: m.email, name: m.name, role: m.role, teams: m.teams });
