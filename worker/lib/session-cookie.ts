export const SESSION_COOKIE = "tutti_session";
/** Absolute lifetime: a session ends this long after sign-in, however active. */
export const SESSION_TTL_MS = 14 * 86_400_000;
/** Idle timeout: a session not used for this long ends (a weekend away means signing in again). */
export const SESSION_IDLE_MS = 24 * 3_600_000;
/** `last_seen_at` is written at most this often per session, so reads stay reads. */
export const SESSION_TOUCH_MS = 60_000;
export const CSRF_HEADER = "x-csrf-token";
