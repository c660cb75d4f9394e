import { z } from "@hono/zod-openapi";
import { tenantRoles } from "../../db/schema/enums";

export const Email = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: "must be an e-mail address" }))
  .openapi({ example: "ada@example.com" });
export const Password = z.string().min(10, "must be at least 10 characters").max(200).openapi({ example: "correct horse battery" });

export const UserOut = z.object({ id: z.string(), email: z.string(), name: z.string() }).openapi("User");
export const TenantOut = z.object({ id: z.string(), slug: z.string(), name: z.string(), role: z.enum(tenantRoles) }).openapi("TenantMembership");

export const SessionOut = z
  .object({
    user: UserOut,
    tenant: TenantOut,
    csrf_token: z.string().openapi({ description: "Send as X-CSRF-Token on cookie-authenticated writes" }),
    expires_at: z.string(),
  })
  .openapi("Session");
