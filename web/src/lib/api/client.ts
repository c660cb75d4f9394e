/**
 * The dashboard's one API client: openapi-fetch typed by the generated contract (api/schema.d.ts), so every call's
 * path, parameters, body and answer are checked against what the Worker documents. It adds the CSRF header to
 * cookie-authenticated writes; `data()` turns the error envelope into an ApiError with field details and sends the
 * user to /login on 401. The domain modules beside this file wrap the calls the pages make.
 */
import createClient, { createQuerySerializer } from "openapi-fetch";
import { goto } from "$app/navigation";
import { ApiError, apiErrorFrom } from "../errors";
import type { paths } from "./types";

/** The session's CSRF token, learned from sign-up, login or /me; sent on every write. */
let csrfToken: string | null = null;

export function setCsrfToken(token: string | null) {
  csrfToken = token;
}

let unauthorizedHandler: (() => void) | null = null;

/** Lets the session module forget the user when any call finds the session gone (expired, signed out elsewhere). */
export function onUnauthorized(handler: () => void) {
  unauthorizedHandler = handler;
}

const serializeQuery = createQuerySerializer();

export const client = createClient<paths>({
  baseUrl: "/api/v1",
  credentials: "same-origin",
  headers: { accept: "application/json" },
  // Filters bound to form fields hold "" when cleared: leave them out rather than send `status=`.
  querySerializer: (query) => serializeQuery(Object.fromEntries(Object.entries(query).filter(([, value]) => value !== ""))),
});

client.use({
  onRequest({ request }) {
    if (request.method !== "GET" && csrfToken) request.headers.set("x-csrf-token", csrfToken);
  },
});

export interface CallOptions {
  /** Public pages (login, sign-up, invitation) handle 401 themselves instead of redirecting. */
  redirectOn401?: boolean;
}

/** What openapi-fetch resolves to: the operation's documented success body, or the error body, with the response. */
type Result<D> = { data?: D; error?: unknown; response: Response };

/** openapi-fetch answers `{ data }` exactly when the status is a success; its type is the operation's success body. */
const succeeded = <D>(result: Result<D>): result is { data: D; response: Response } => result.response.ok && !("error" in result);

function loginRedirect() {
  const here = location.pathname + location.search;
  const next = here.startsWith("/login") ? "" : `?next=${encodeURIComponent(here)}`;
  void goto(`/login${next}`, { replaceState: true });
}

/** The success body of a call, or an ApiError built from the error envelope (after the 401 redirect, unless disabled). */
export async function data<D>(pending: Promise<Result<D>>, options: CallOptions = {}): Promise<D> {
  const result = await pending;
  if (succeeded(result)) return result.data;
  const { status } = result.response;
  const error = apiErrorFrom(status, result.error);
  if (status === 401 && options.redirectOn401 !== false) {
    setCsrfToken(null);
    unauthorizedHandler?.();
    loginRedirect();
  }
  throw error;
}

/** Follows next_cursor to the end, for pickers that must offer every option (teams in a select). */
export async function allPages<T>(fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; next_cursor: string | null }>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return items;
}

export { ApiError };
