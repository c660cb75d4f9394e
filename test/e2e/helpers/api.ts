import { newAccount } from "./accounts";
import { cookieOf, signupVerified } from "./mailbox";

export interface ApiAnswer {
  status: number;
  json: any;
}

/** A signed-up owner talking to the API from Node with its session cookie (and CSRF token for writes). */
export interface OwnerSession {
  baseUrl: string;
  team: { id: string; slug: string };
  tenant: { id: string; slug: string };
  /** Any status; throws only when the server cannot be reached. */
  request(method: string, path: string, body?: unknown): Promise<ApiAnswer>;
  /** Fails with the answer unless it is 2xx. */
  call(method: string, path: string, body?: unknown): Promise<any>;
  /** A team API token (tt_…) with these scopes, for the CLI or tool clients. */
  token(scopes: string[]): Promise<string>;
}

/** Signs up a fresh workspace through the API and its mailed link; `baseUrl` is a running Tutti that captures mail. */
export async function signupOwner(baseUrl: string, label = "api"): Promise<OwnerSession> {
  const account = newAccount(label);
  const res = await signupVerified(baseUrl, { email: account.email, password: account.password, name: account.name, tenant_name: account.tenantName });
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
  const cookie = cookieOf(res);
  const body = (await res.json()) as { csrf_token: string; tenant: { id: string; slug: string } };
  const request = async (method: string, path: string, payload?: unknown): Promise<ApiAnswer> => {
    const answer = await fetch(`${baseUrl}/api/v1${path}`, {
      method,
      headers: { cookie, "x-csrf-token": body.csrf_token, ...(payload === undefined ? {} : { "content-type": "application/json" }) },
      body: payload === undefined ? undefined : JSON.stringify(payload),
    });
    const text = await answer.text();
    return { status: answer.status, json: text ? JSON.parse(text) : null };
  };
  const call = async (method: string, path: string, payload?: unknown) => {
    const answer = await request(method, path, payload);
    if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.json)}`);
    return answer.json;
  };
  const team = (await call("GET", "/me")).teams[0] as { id: string; slug: string };
  return {
    baseUrl,
    team,
    tenant: body.tenant,
    request,
    call,
    token: async (scopes) => (await call("POST", "/tokens", { name: `token-${scopes.length}-${Date.now()}`, team_id: team.id, scopes })).token as string,
  };
}
