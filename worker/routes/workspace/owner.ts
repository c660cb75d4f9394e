import { ApiError } from "../../lib/errors";
import type { Principal } from "../../lib/principal";

/** Exporting and deleting the workspace is for its owners, signed in (no API token can). */
export function requireOwner(p: Principal): void {
  if (p.actor.type !== "user" || p.role !== "owner") throw new ApiError("forbidden", "only workspace owners can export or delete the workspace");
}
