import { z } from "@hono/zod-openapi";
import { teamRoles } from "../../db/schema/enums";
import type { Team, TeamMember } from "../../db/repo/accounts/teams";
import type { Principal } from "../../lib/principal";
import { timestamp } from "../shared";

export const Slug = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/, "lowercase letters, digits and dashes (at most 48)")
  .openapi({ example: "analytics" });
const TeamName = z.string().trim().min(2).max(80).openapi({ example: "Analytics" });
const Description = z.string().trim().max(500);

export const TeamOut = z
  .object({
    id: z.string().openapi({ example: "team_3k9q0x2m4n5b6v7c8z1a" }),
    slug: z.string(),
    name: z.string(),
    description: z.string(),
    member_count: z.number().int(),
    my_role: z.enum(teamRoles).nullable().openapi({ description: "The caller's role in the team; null when not a member" }),
    created_at: timestamp,
  })
  .openapi("Team");

export const TeamList = z.object({ items: z.array(TeamOut), next_cursor: z.string().nullable() }).openapi("TeamList");

export const CreateTeamBody = z
  .strictObject({
    name: TeamName,
    slug: Slug.optional().openapi({ description: "Defaults to a slug of the name; unique in the tenant" }),
    description: Description.optional(),
  })
  .openapi("CreateTeamRequest");

export const UpdateTeamBody = z
  .strictObject({ name: TeamName.optional(), description: Description.optional() })
  .refine((b) => Object.keys(b).length > 0, "send at least one field to change")
  .openapi("UpdateTeamRequest");

export const TeamMemberOut = z.object({ user_id: z.string(), email: z.string(), name: z.string(), role: z.enum(teamRoles) }).openapi("TeamMember");

export const TeamMemberList = z.object({ items: z.array(TeamMemberOut) }).openapi("TeamMemberList");

export const AddTeamMemberBody = z
  .strictObject({ user_id: z.string().min(1).max(64).openapi({ description: "A member of the tenant" }), role: z.enum(teamRoles) })
  .openapi("AddTeamMemberRequest");

export const UpdateTeamMemberBody = z.strictObject({ role: z.enum(teamRoles) }).openapi("UpdateTeamMemberRequest");

export const TeamMemberParams = z.object({ id: z.string().min(1).max(64), userId: z.string().min(1).max(64) });

export const teamOut = (team: Team, memberCount: number, p: Principal): z.input<typeof TeamOut> => ({
  id: team.id,
  slug: team.slug,
  name: team.name,
  description: team.description,
  member_count: memberCount,
  my_role: p.actor.type === "user" ? (p.teams[team.id] ?? null) : null,
  created_at: new Date(team.createdAt).toISOString(),
});

export const teamMemberOut = (m: TeamMember): z.input<typeof TeamMemberOut> => ({ user_id: m.userId, email: m.email, name: m.name, role: m.role });
