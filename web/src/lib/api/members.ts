/** The workspace's members and their roles. */
import { client, data } from "./client";
import type { TenantRole } from "./types";

const member = (userId: string) => ({ params: { path: { userId } } });

export const membersApi = {
  list: () => data(client.GET("/members")),
  setRole: (userId: string, role: TenantRole) => data(client.PATCH("/members/{userId}", { ...member(userId), body: { role } })),
  remove: (userId: string) => data(client.DELETE("/members/{userId}", member(userId))),
};
