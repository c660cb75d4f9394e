/** The workspace's retention settings, quotas and storage usage. */
import { client, data } from "./client";
import type { RetentionInput } from "./types";

export const workspaceApi = {
  retention: () => data(client.GET("/workspace/retention")),
  updateRetention: (body: RetentionInput) => data(client.PATCH("/workspace/retention", { body })),
  usage: () => data(client.GET("/workspace/usage")),
};
