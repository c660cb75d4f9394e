import { SELF } from "cloudflare:test";
import { noteTestTenant } from "./wait";

export const BASE = "https://tutti.test";

export interface Session {
  cookie: string;
  csrf: string;
  user: { id: string; email: string; name: string };
  tenant: { id: string; slug: string; name: string };
}

let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** Calls the Worker like a client would. `as` picks the credential: a session or an API token. */
export async function api(
  path: string,
  init: { method?: string; body?: unknown; rawBody?: BodyInit; as?: Session | string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.body !== undefined) headers["content-type"] ??= "application/json";
  if (typeof init.as === "string") headers.authorization = `Bearer ${init.as}`;
  else if (init.as) {
    headers.cookie = init.as.cookie;
    headers["x-csrf-token"] = init.as.csrf;
  }
  const res = await SELF.fetch(`${BASE}/api/v1${path}`, {
    method: init.method ?? (init.body !== undefined || init.rawBody !== undefined ? "POST" : "GET"),
    headers,
    body: init.rawBody ?? (init.body !== undefined ? JSON.stringify(init.body) : undefined),
  });
  const text = await res.text();
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  recordResponse(text);
  return { status: res.status, headers: res.headers, json, text };
}

/** Every response body seen in the suite, so the secrets test can grep them. */
export const seenResponses: string[] = [];
function recordResponse(text: string) {
  seenResponses.push(text);
}

export async function signup(
  overrides: Partial<{ email: string; password: string; name: string; tenant_name: string; team_name: string }> = {},
): Promise<Session> {
  const id = unique();
  const body = {
    email: overrides.email ?? `user-${id}@example.com`,
    password: overrides.password ?? "correct horse battery",
    name: overrides.name ?? "Ada Lovelace",
    tenant_name: overrides.tenant_name ?? `Tenant ${id}`,
    ...(overrides.team_name ? { team_name: overrides.team_name } : {}),
  };
  const res = await SELF.fetch(`${BASE}/api/v1/auth/signup`, {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": `10.${counter % 250}.0.1` },
    body: JSON.stringify(body),
  });
  const json: any = await res.json();
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(json)}`);
  noteTestTenant(json.tenant.id);
  return { cookie: cookieFrom(res.headers), csrf: json.csrf_token, user: json.user, tenant: json.tenant };
}

export function cookieFrom(headers: Headers): string {
  const set: string[] = (headers as unknown as { getSetCookie(): string[] }).getSetCookie();
  return set.map((c) => c.split(";")[0]).join("; ");
}

export function expectError(res: { status: number; json: any }, status: number, code: string) {
  if (res.status !== status || res.json?.error?.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${res.status} ${JSON.stringify(res.json)}`);
  }
  if (typeof res.json.error.request_id !== "string" || !Array.isArray(res.json.error.details)) {
    throw new Error(`error envelope malformed: ${JSON.stringify(res.json)}`);
  }
}
