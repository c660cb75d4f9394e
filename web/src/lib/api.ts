/**
 * The dashboard's one API client. It adds the CSRF header to cookie-authenticated writes, turns the
 * error envelope into a typed ApiError with field details, and sends the user to /login on 401.
 */
import { goto } from "$app/navigation";
import { ApiError, apiErrorFrom } from "./errors";
import type {
  ApiToken,
  AuditEntry,
  Backfill,
  Connection,
  ConnectionKind,
  Invitation,
  InvitationCreated,
  InvitationLookup,
  Me,
  Page,
  Pipeline,
  PipelineDetail,
  PipelineSummary,
  PipelineVersion,
  PipelineVersionSummary,
  Run,
  RunDetail,
  RunEventPage,
  RunStatus,
  SessionInfo,
  Team,
  TeamMember,
  TeamRole,
  TenantMember,
  TenantRole,
  TokenCreated,
  TokenScope,
  TriggerKind,
  VersionDiff,
  WebhookDelivery,
} from "./types";

const BASE = "/api/v1";

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

type Query = Record<string, string | number | undefined | null>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Public pages (login, sign-up, invitation) handle 401 themselves instead of redirecting. */
  redirectOn401?: boolean;
  /** Aborts the request, e.g. a long poll when its page is left. */
  signal?: AbortSignal;
}

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

function loginRedirect() {
  const here = location.pathname + location.search;
  const next = here.startsWith("/login") ? "" : `?next=${encodeURIComponent(here)}`;
  void goto(`/login${next}`, { replaceState: true });
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["x-csrf-token"] = csrfToken;
  const res = await fetch(BASE + withQuery(path, options.query), {
    method,
    headers,
    credentials: "same-origin",
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal,
  });
  const text = await res.text();
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (!res.ok) {
    const error = apiErrorFrom(res.status, body);
    if (res.status === 401 && options.redirectOn401 !== false) {
      setCsrfToken(null);
      unauthorizedHandler?.();
      loginRedirect();
    }
    throw error;
  }
  return body as T;
}

const get = <T>(path: string, query?: Query, options: RequestOptions = {}) => request<T>("GET", path, { ...options, query });
const post = <T>(path: string, body?: unknown, options: RequestOptions = {}) => request<T>("POST", path, { ...options, body: body ?? {} });
const patch = <T>(path: string, body: unknown) => request<T>("PATCH", path, { body });
const del = <T = unknown>(path: string) => request<T>("DELETE", path);
const id = encodeURIComponent;

export const auth = {
  signup: (body: { email: string; password: string; name: string; tenant_name: string; team_name?: string }) =>
    post<SessionInfo>("/auth/signup", body, { redirectOn401: false }),
  login: (body: { email: string; password: string }) => post<SessionInfo>("/auth/login", body, { redirectOn401: false }),
  logout: () => post<{ ok: true }>("/auth/logout", {}, { redirectOn401: false }),
  signOutEverywhere: (body: { revoke_tokens: boolean }) => post<{ sessions_ended: number; tokens_revoked: number }>("/me/sign-out-everywhere", body),
  me: (options: RequestOptions = {}) => get<Me>("/me", undefined, options),
};

/** Follows next_cursor to the end, for pickers that must offer every option (teams in a select). */
async function allPages<T>(fetchPage: (cursor: string | null) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await fetchPage(cursor);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

export const teams = {
  list: (cursor?: string | null) => get<Page<Team>>("/teams", { cursor, limit: 100 }),
  all: () => allPages((cursor) => teams.list(cursor)),
  get: (teamId: string) => get<Team>(`/teams/${id(teamId)}`),
  create: (body: { name: string; slug?: string; description?: string }) => post<Team>("/teams", body),
  update: (teamId: string, body: { name?: string; description?: string }) => patch<Team>(`/teams/${id(teamId)}`, body),
  members: (teamId: string) => get<{ items: TeamMember[] }>(`/teams/${id(teamId)}/members`),
  addMember: (teamId: string, body: { user_id: string; role: TeamRole }) => post<TeamMember>(`/teams/${id(teamId)}/members`, body),
  setMemberRole: (teamId: string, userId: string, role: TeamRole) => patch<TeamMember>(`/teams/${id(teamId)}/members/${id(userId)}`, { role }),
  removeMember: (teamId: string, userId: string) => del(`/teams/${id(teamId)}/members/${id(userId)}`),
};

export const members = {
  list: () => get<{ items: TenantMember[] }>("/members"),
  setRole: (userId: string, role: TenantRole) => patch<TenantMember>(`/members/${id(userId)}`, { role }),
  remove: (userId: string) => del(`/members/${id(userId)}`),
};

export const invitations = {
  list: (cursor?: string | null) => get<Page<Invitation>>("/invitations", { cursor, limit: 100 }),
  create: (body: { email: string; role: TenantRole; team_id?: string; expires_in_days?: number }) => post<InvitationCreated>("/invitations", body),
  revoke: (invitationId: string) => del(`/invitations/${id(invitationId)}`),
  lookup: (token: string) => get<InvitationLookup>("/invitations/lookup", { token }, { redirectOn401: false }),
  accept: (body: { token: string; name?: string; password: string }) => post<SessionInfo>("/invitations/accept", body, { redirectOn401: false }),
};

export const tokens = {
  list: (cursor?: string | null) => get<Page<ApiToken>>("/tokens", { cursor, limit: 100 }),
  create: (body: { name: string; team_id: string; scopes: TokenScope[]; expires_at?: string }) => post<TokenCreated>("/tokens", body),
  revoke: (tokenId: string) => del(`/tokens/${id(tokenId)}`),
};

export const connections = {
  kinds: () => get<ConnectionKind[]>("/connection-kinds"),
  list: (teamId?: string, cursor?: string | null) => get<Page<Connection>>("/connections", { team_id: teamId, cursor, limit: 100 }),
  get: (connectionId: string) => get<Connection>(`/connections/${id(connectionId)}`),
  create: (body: { team_id: string; name: string; kind: string; description?: string; config: Record<string, unknown>; secrets: Record<string, string> }) =>
    post<Connection>("/connections", body),
  /** `secrets`: only with a config change that moves a host field to another origin (the API then requires them). */
  update: (connectionId: string, body: { description?: string; config?: Record<string, unknown>; secrets?: Record<string, string> }) =>
    patch<Connection>(`/connections/${id(connectionId)}`, body),
  test: (connectionId: string) => post<{ ok: boolean; message: string }>(`/connections/${id(connectionId)}/test`, {}),
  deliveries: (connectionId: string) => get<Page<WebhookDelivery>>("/webhook-deliveries", { connection_id: connectionId, limit: 20 }),
  delivery: (deliveryId: string) => get<WebhookDelivery & { payload: unknown }>(`/webhook-deliveries/${id(deliveryId)}`),
  rotate: (connectionId: string, secrets: Record<string, string>) => post<Connection>(`/connections/${id(connectionId)}/rotate`, { secrets }),
  remove: (connectionId: string) => del(`/connections/${id(connectionId)}`),
};

export interface AuditFilter {
  action?: string;
  actor_id?: string;
  team_id?: string;
  from?: string;
  to?: string;
}

export const auditLog = {
  list: (filter: AuditFilter, cursor?: string | null) => get<Page<AuditEntry>>("/audit-log", { ...filter, cursor, limit: 50 }),
};

export interface PipelineFilter {
  q?: string;
  team_id?: string;
}

export const pipelines = {
  list: (filter: PipelineFilter, cursor?: string | null) => get<Page<PipelineSummary>>("/pipelines", { ...filter, cursor, limit: 50 }),
  get: (name: string) => get<PipelineDetail>(`/pipelines/${id(name)}`),
  versions: (name: string, cursor?: string | null) => get<Page<PipelineVersionSummary>>(`/pipelines/${id(name)}/versions`, { cursor, limit: 100 }),
  allVersions: (name: string) => allPages((cursor) => pipelines.versions(name, cursor)),
  version: (name: string, n: number) => get<PipelineVersion>(`/pipelines/${id(name)}/versions/${n}`),
  diff: (name: string, n: number, against?: number) => get<VersionDiff>(`/pipelines/${id(name)}/versions/${n}/diff`, { against }),
  pause: (name: string) => post<Pipeline>(`/pipelines/${id(name)}/pause`),
  resume: (name: string) => post<Pipeline>(`/pipelines/${id(name)}/resume`),
  archive: (name: string) => del<Pipeline>(`/pipelines/${id(name)}`),
  run: (name: string, params: Record<string, unknown>) => post<RunDetail>(`/pipelines/${id(name)}/runs`, { params }),
  backfill: (name: string, body: { from: string; to: string; parallelism: number; params?: Record<string, unknown> }) =>
    post<Backfill>(`/pipelines/${id(name)}/backfills`, body),
};

export interface RunFilter {
  pipeline?: string;
  status?: RunStatus;
  trigger?: TriggerKind;
}

export const runs = {
  list: (filter: RunFilter, cursor?: string | null, limit = 50) => get<Page<Run>>("/runs", { ...filter, cursor, limit }),
  /** With `wait`, the server holds the request until the run ends or `wait` seconds pass. */
  get: (runId: string, wait?: number, signal?: AbortSignal) => get<RunDetail>(`/runs/${id(runId)}`, { wait }, { signal }),
  /** Events after `after`; with `wait`, held until there is one or the run has ended. */
  events: (runId: string, after: number, wait?: number, signal?: AbortSignal) =>
    get<RunEventPage>(`/runs/${id(runId)}/events`, { after, wait, limit: 1000 }, { signal }),
  cancel: (runId: string) => post<RunDetail>(`/runs/${id(runId)}/cancel`),
  retry: (runId: string) => post<RunDetail>(`/runs/${id(runId)}/retry`),
};

export { ApiError };
