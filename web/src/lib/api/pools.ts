/** The workspace's pools: limits on tasks running at once across pipelines (owners and admins change them). */
import { client, data } from "./client";
import type { CreatePoolRequest, UpdatePoolRequest } from "./types";

export const poolsApi = {
  list: () => data(client.GET("/pools")),
  create: (body: CreatePoolRequest) => data(client.POST("/pools", { body })),
  update: (name: string, body: UpdatePoolRequest) => data(client.PATCH("/pools/{name}", { params: { path: { name } }, body })),
  remove: (name: string) => data(client.DELETE("/pools/{name}", { params: { path: { name } } })),
};
