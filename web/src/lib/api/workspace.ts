/** The workspace's exports and its deletion (owners only). */
import { client, data } from "./client";

export const workspaceApi = {
  exports: () => data(client.GET("/workspace/exports")),
  exportStatus: (id: string) => data(client.GET("/workspace/exports/{id}", { params: { path: { id } } })),
  startExport: () => data(client.POST("/workspace/exports")),
  deleteWorkspace: (confirm: string) => data(client.POST("/workspace/deletion", { body: { confirm } })),
};
