import { lte, or, sql } from "drizzle-orm";
import { sessions } from "../../schema";
import { SESSION_IDLE_MS } from "../../../lib/session-cookie";

/** When the session was last used; sessions older than the column count from their creation. */
export const sessionLastSeen = sql<number>`coalesce(${sessions.lastSeenAt}, ${sessions.createdAt})`;

/** A session has ended at `now` once past its absolute expiry or idle for the idle timeout. */
export const sessionEnded = (now: number) => or(lte(sessions.expiresAt, now), lte(sessionLastSeen, now - SESSION_IDLE_MS));
