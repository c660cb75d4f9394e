/** Who is signed in, shared by every page; loaded once per page load and refreshed after changes to teams. */
import { authApi } from "./api/auth";
import { onUnauthorized, setCsrfToken } from "./api/client";
import { ApiError } from "./errors";
import type { Me, Session } from "./api/types";

export const session = $state<{ me: Me | null }>({ me: null });

let inflight: Promise<Me | null> | null = null;
// Whether session.me is the server's answer: once /me has said "signed out", the redirect to /login and the login
// page take that answer instead of asking again. Only a sign-in (startSession) or a page load asks anew.
let known = false;

onUnauthorized(() => {
  session.me = null;
  known = true;
});

/** Loads /me unless already known; null when nobody is signed in. */
export function ensureSession(): Promise<Me | null> {
  if (known) return Promise.resolve(session.me);
  return refreshSession();
}

export function refreshSession(): Promise<Me | null> {
  inflight ??= authApi
    .me({ redirectOn401: false })
    .then((me) => {
      session.me = me;
      known = true;
      setCsrfToken(me.csrf_token);
      return me;
    })
    .catch((error: unknown) => {
      if (error instanceof ApiError && error.status === 401) {
        session.me = null;
        known = true;
        setCsrfToken(null);
        return null;
      }
      throw error;
    })
    .finally(() => {
      inflight = null;
    });
  return inflight;
}

/** After sign-up, login or accepting an invitation: keep the CSRF token and fetch the full /me. */
export async function startSession(info: Session): Promise<Me | null> {
  setCsrfToken(info.csrf_token);
  session.me = null;
  known = false;
  return refreshSession();
}

export async function endSession() {
  try {
    await authApi.logout();
  } finally {
    session.me = null;
    known = true;
    setCsrfToken(null);
  }
}

/** After "sign out everywhere": the server already ended this session too. */
export function signedOutEverywhere() {
  session.me = null;
  known = true;
  setCsrfToken(null);
}

export function isAdmin(me: Me | null): boolean {
  return me?.role === "owner" || me?.role === "admin";
}

/** Mirrors the API's canActForTeam: admins act for every team, members for theirs, viewers for none. */
export function canActForTeam(me: Me | null, teamId: string): boolean {
  if (!me || me.role === "viewer") return false;
  return isAdmin(me) || me.teams.some((t) => t.id === teamId && t.role !== null);
}

/** Team settings and membership: tenant admins and the team's maintainers (never viewers: they hold no write right). */
export function canMaintainTeam(me: Me | null, teamId: string): boolean {
  if (!me || me.role === "viewer") return false;
  return isAdmin(me) || me.teams.some((t) => t.id === teamId && t.role === "maintainer");
}
