/** Teams and their members. */
import { allPages, client, data } from "./client";
import type { CreateTeamRequest, TeamRole, UpdateTeamRequest } from "./types";

const team = (teamId: string) => ({ params: { path: { id: teamId } } });

export const teamsApi = {
  list: (cursor?: string) => data(client.GET("/teams", { params: { query: { cursor, limit: 100 } } })),
  all: () => allPages((cursor) => teamsApi.list(cursor)),
  get: (teamId: string) => data(client.GET("/teams/{id}", team(teamId))),
  create: (body: CreateTeamRequest) => data(client.POST("/teams", { body })),
  update: (teamId: string, body: UpdateTeamRequest) => data(client.PATCH("/teams/{id}", { ...team(teamId), body })),
  environments: (teamId: string) => data(client.GET("/teams/{id}/environments", team(teamId))),
  members: (teamId: string) => data(client.GET("/teams/{id}/members", team(teamId))),
  addMember: (teamId: string, body: { user_id: string; role: TeamRole }) => data(client.POST("/teams/{id}/members", { ...team(teamId), body })),
  setMemberRole: (teamId: string, userId: string, role: TeamRole) =>
    data(client.PATCH("/teams/{id}/members/{userId}", { params: { path: { id: teamId, userId } }, body: { role } })),
  removeMember: (teamId: string, userId: string) => data(client.DELETE("/teams/{id}/members/{userId}", { params: { path: { id: teamId, userId } } })),
};
