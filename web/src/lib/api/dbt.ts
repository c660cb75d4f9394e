/** dbt projects: their nodes and the artifact uploads they were built from. */
import { client, data } from "./client";

const project = (projectId: string) => ({ params: { path: { id: projectId } } });

export const dbtApi = {
  projects: (cursor?: string) => data(client.GET("/dbt/projects", { params: { query: { cursor, limit: 50 } } })),
  project: (projectId: string) => data(client.GET("/dbt/projects/{id}", project(projectId))),
  nodes: (projectId: string, filter: { resource_type?: string; q?: string }, cursor?: string) =>
    data(client.GET("/dbt/projects/{id}/nodes", { params: { path: { id: projectId }, query: { ...filter, cursor, limit: 500 } } })),
  uploads: (projectId: string, cursor?: string) =>
    data(client.GET("/dbt/projects/{id}/uploads", { params: { path: { id: projectId }, query: { cursor, limit: 10 } } })),
  upload: (uploadId: string) => data(client.GET("/dbt/uploads/{id}", { params: { path: { id: uploadId } } })),
};
