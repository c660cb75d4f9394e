import { workerFetch } from "./worker-fetch";
import { eventually, noteTestTenant } from "./wait";

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
  const res = await workerFetch(`${BASE}/api/v1${path}`, {
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
  // An address that signed up before already has a sign-up mail: wait for one more, not for the old link.
  const earlier = overrides.email ? (await capturedMails(body.email)).length : 0;
  const res = await workerFetch(`${BASE}/api/v1/auth/signup`, {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": `10.${counter % 250}.0.1` },
    body: JSON.stringify(body),
  });
  if (res.status !== 202) throw new Error(`signup failed: ${res.status} ${await res.text()}`);
  return verifySignup(await linkToken(body.email, "/verify/", { mails: earlier + 1 }));
}

/** Uses a sign-up link's token as the dashboard's verify page does, and returns the session it starts. */
export async function verifySignup(token: string): Promise<Session> {
  const res = await workerFetch(`${BASE}/api/v1/auth/verify`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token }),
  });
  const json: any = await res.json();
  if (res.status !== 201) throw new Error(`verify failed: ${res.status} ${JSON.stringify(json)}`);
  noteTestTenant(json.tenant.id);
  return { cookie: cookieFrom(res.headers), csrf: json.csrf_token, user: json.user, tenant: json.tenant };
}

export interface CapturedMail {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  created_at: string;
}

async function capturedMails(to: string): Promise<CapturedMail[]> {
  const res = await api(`/dev/mail?to=${encodeURIComponent(to)}`);
  if (res.status !== 200) throw new Error(`GET /dev/mail: ${res.status} ${res.text}`);
  return res.json.items;
}

/**
 * Mails to `to` that Tutti captured (the test Worker's mail mode), newest first, read as the dev mailbox reads them,
 * once there are at least `count`: sign-up and password-reset mails go out just after the answer, so they are waited for.
 */
export function mailTo(to: string, count = 1): Promise<CapturedMail[]> {
  return eventually(async () => {
    const mails = await capturedMails(to);
    if (mails.length < count) throw new Error(`${mails.length} of ${count} mails to ${to} so far`);
    return mails;
  });
}

/**
 * The token of the newest captured link to `to` whose path starts with `path` (`/verify/`, `/reset-password/`,
 * `/invite/`), once `to` has at least `mails` mails and one of them has such a link.
 */
export function linkToken(to: string, path: string, { mails = 1 }: { mails?: number } = {}): Promise<string> {
  return eventually(async () => {
    const captured = await capturedMails(to);
    if (captured.length < mails) throw new Error(`${captured.length} of ${mails} mails to ${to} so far`);
    for (const mail of captured) {
      const token = new RegExp(`${BASE}${path}([a-z0-9]+)`).exec(mail.text)?.[1];
      if (token) return token;
    }
    throw new Error(`no mail to ${to} with a ${path} link`);
  });
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
