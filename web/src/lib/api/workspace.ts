/** The workspace's retention settings, quotas and usage (admins), its exports and its deletion (owners). */
import { client, data } from "./client";
import type { RetentionInput } from "./types";

export const workspaceApi = {
  exports: () => data(client.GET("/workspace/exports")),
  exportStatus: (id: string) => data(client.GET("/workspace/exports/{id}", { params: { path: { id } } })),
  startExport: () => data(client.POST("/workspace/exports")),
  deleteWorkspace: (confirm: string) => data(client.POST("/workspace/deletion", { body: { confirm } })),
  retention: () => data(client.GET("/workspace/retention")),
  updateRetention: (body: RetentionInput) => data(client.PATCH("/workspace/retention", { body })),
  usage: () => data(client.GET("/workspace/usage")),
};
