export const SESSION_COOKIE = "tutti_session";
export const SESSION_TTL_MS = 14 * 86_400_000;
export const CSRF_HEADER = "x-csrf-token";
