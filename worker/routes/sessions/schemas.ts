import { z } from "@hono/zod-openapi";
import { sessionPublicId, type TenantSession } from "../../db/repo/accounts/sessions";
import { tenantRoles } from "../../db/schema/enums";
import { timestamp } from "../shared";

export const SessionInfo = z
  .object({
    id: z.string().openapi({ example: "ses_0f3c9a1b2c4d5e6f708192a3b4c5d6e7" }),
    user: z.object({ id: z.string(), email: z.string(), name: z.string(), role: z.enum(tenantRoles) }),
    ip: z.string().nullable().openapi({ description: "Client address the session was started from" }),
    created_at: timestamp,
    last_seen_at: timestamp,
    expires_at: timestamp.openapi({ description: "Absolute end; it ends sooner when unused for 24 hours" }),
    current: z.boolean().openapi({ description: "The session of this request" }),
  })
  .openapi("SessionInfo");

export const SessionList = z.object({ items: z.array(SessionInfo) }).openapi("SessionList");

export const sessionOut = (s: TenantSession, currentHash: string | null): z.input<typeof SessionInfo> => ({
  id: sessionPublicId(s.idHash),
  user: { id: s.userId, email: s.email, name: s.name, role: s.role },
  ip: s.ip,
  created_at: new Date(s.createdAt).toISOString(),
  last_seen_at: new Date(s.lastSeenAt).toISOString(),
  expires_at: new Date(s.expiresAt).toISOString(),
  current: s.idHash === currentHash,
});
