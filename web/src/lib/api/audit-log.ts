/** The workspace's audit log. */
import { client, data } from "./client";
import type { AuditFilter } from "./types";

export const auditLogApi = {
  list: (filter: AuditFilter, cursor?: string) => data(client.GET("/audit-log", { params: { query: { ...filter, cursor, limit: 50 } } })),
};
