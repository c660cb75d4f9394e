import { workerFetch } from "./worker-fetch";
import { api, BASE, cookieFrom, signup, type Session } from "./api";
import { registerClient as registerAt } from "../fakes/oidc/register-client";
import { noteTestTenant } from "./wait";

export const CALLBACK = `${BASE}/api/v1/auth/sso/callback`;

let counter = 0;
/** A domain no other test uses (domains belong to one workspace). */
export const uniqueDomain = () => `sso-${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}.example`;

/** Registers a client at the provider whose redirect URI is Tutti's callback (see test/fakes/oidc/register-client.ts). */
export const registerClient = (issuer: string, redirectUri = CALLBACK) => registerAt(issuer, redirectUri);

/** Sets the claims the provider gives a login (its test control; see test/fakes/oidc/provider.ts). */
export async function setAccount(issuer: string, login: string, claims: { email?: string; email_verified?: boolean; name?: string; groups?: string[] }) {
  const res = await fetch(`${issuer}/__accounts/${encodeURIComponent(login)}`, { method: "PUT", body: JSON.stringify(claims) });
  if (res.status !== 204) throw new Error(`set account: ${res.status}`);
}

/** A workspace whose owner's proven address is at a fresh domain, with SSO set up against `issuer` and the domain claimed. */
export async function ssoWorkspace(issuer: string, client?: { clientId: string; clientSecret: string }) {
  const domain = uniqueDomain();
  const owner = await signup({ email: `owner@${domain}` });
  const { clientId, clientSecret } = client ?? (await registerClient(issuer));
  const saved = await api("/sso", { as: owner, method: "PATCH", body: { issuer, client_id: clientId, client_secret: clientSecret } });
  if (saved.status !== 200) throw new Error(`PATCH /sso: ${saved.status} ${saved.text}`);
  const claimed = await api("/sso/domains", { as: owner, body: { domain } });
  if (claimed.status !== 200) throw new Error(`POST /sso/domains: ${claimed.status} ${claimed.text}`);
  return { owner, domain, clientId };
}

/** A browser's cookie jar for one origin: enough for the provider's interaction and session cookies. */
class Jar {
  private cookies = new Map<string, string>();
  take(headers: Headers) {
    for (const c of (headers as unknown as { getSetCookie(): string[] }).getSetCookie()) {
      const [pair] = c.split(";");
      const eq = pair.indexOf("=");
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

export interface StartedSignIn {
  status: number;
  location: string;
  stateCookie: string;
}

/** `GET /auth/sso/start?…` as a browser navigation: where it redirects, and the state cookie it set. */
export async function startSignIn(query: string): Promise<StartedSignIn> {
  const res = await workerFetch(`${BASE}/api/v1/auth/sso/start?${query}`, { redirect: "manual" });
  await res.arrayBuffer();
  return { status: res.status, location: res.headers.get("location") ?? "", stateCookie: cookieFrom(res.headers) };
}

/**
 * At the provider: follows the authorization URL to its login page, submits the login form (the library's own
 * development login: any login, any password) and follows redirects until the provider sends the browser back to
 * Tutti. Returns that callback URL (with code, state and iss).
 */
export async function loginAtProvider(authorizationUrl: string, login: string): Promise<string> {
  const jar = new Jar();
  let url = authorizationUrl;
  for (let hop = 0; hop < 10; hop++) {
    if (url.startsWith(BASE)) return url;
    const res = await fetch(url, { redirect: "manual", headers: { cookie: jar.header() } });
    jar.take(res.headers);
    const body = await res.text();
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get("location")!, url).href;
      continue;
    }
    const form = /<form[^>]*action="([^"]+)"[^>]*method="post"/.exec(body);
    if (res.status !== 200 || !form || !/name="login"/.test(body))
      throw new Error(`expected the provider's login form at ${url}, got ${res.status}: ${body.slice(0, 300)}`);
    const posted = await fetch(new URL(form[1], url), {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.header() },
      body: new URLSearchParams({ prompt: "login", login, password: "any password" }),
    });
    jar.take(posted.headers);
    await posted.arrayBuffer();
    url = new URL(posted.headers.get("location")!, url).href;
  }
  throw new Error("the provider did not send the browser back to Tutti");
}

/** The callback as the browser calls it: the state cookie from the start, and where Tutti sends the browser next. */
export async function callback(url: string, stateCookie: string) {
  const res = await workerFetch(url, { redirect: "manual", headers: { cookie: stateCookie } });
  await res.arrayBuffer();
  return {
    status: res.status,
    location: res.headers.get("location") ?? "",
    cookie: cookieFrom(res.headers)
      .split("; ")
      .filter((c) => c.startsWith("tutti_session="))
      .join("; "),
  };
}

/** A whole SSO sign-in through the provider's login page; the session it started, as `api()` takes it. */
export async function ssoSignIn(query: string, login: string): Promise<Session> {
  const started = await startSignIn(query);
  if (started.status !== 302 || started.location.startsWith("/login")) throw new Error(`SSO start refused: ${started.status} ${started.location}`);
  const done = await callback(await loginAtProvider(started.location, login), started.stateCookie);
  if (!done.cookie) throw new Error(`SSO callback refused: ${done.status} ${decodeURIComponent(done.location)}`);
  const me = await api("/me", { as: { cookie: done.cookie, csrf: "" } as Session });
  if (me.status !== 200) throw new Error(`/me after SSO: ${me.status} ${me.text}`);
  noteTestTenant(me.json.tenant.id);
  return { cookie: done.cookie, csrf: me.json.csrf_token, user: me.json.user, tenant: me.json.tenant };
}

/** The reason Tutti gave when it sent the browser back to the sign-in page. */
export const ssoError = (location: string) =>
  location.startsWith("/login?sso_error=") ? decodeURIComponent(location.slice("/login?sso_error=".length)) : null;
