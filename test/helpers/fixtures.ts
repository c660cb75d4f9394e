import { api, cookieFrom, type Session } from "./api";
import { BASE } from "./api";
import { workerFetch } from "./worker-fetch";

/** The id of the session's first team (the one sign-up created). */
export async function firstTeamId(s: Session): Promise<string> {
  const me = await api("/me", { as: s });
  if (me.status !== 200) throw new Error(`GET /me failed: ${me.status} ${me.text}`);
  return me.json.teams[0].id;
}

function ok<T = any>(res: { status: number; json: any; text: string }, expected: number, what: string): T {
  if (res.status !== expected) throw new Error(`${what} failed: ${res.status} ${res.text}`);
  return res.json as T;
}

/** Creates an API token and returns the plaintext and its record. */
export async function createToken(
  s: Session,
  teamId: string,
  scopes: string[] = ["read", "pipelines:write", "runs:write", "lineage:write", "metadata:write"],
  name = "test token",
): Promise<{ token: string; id: string }> {
  const json = ok(await api("/tokens", { as: s, body: { name, team_id: teamId, scopes } }), 201, "create token");
  return { token: json.token, id: json.api_token.id };
}

export async function createTeam(s: Session, name: string): Promise<{ id: string; slug: string }> {
  return ok(await api("/teams", { as: s, body: { name } }), 201, "create team");
}

let counter = 0;

/** Invites a new person into the session's tenant, accepts the invitation and returns their session. */
export async function addMember(
  admin: Session,
  role: "owner" | "admin" | "member" | "viewer",
  opts: { teamId?: string; name?: string } = {},
): Promise<Session> {
  const email = `member-${Date.now().toString(36)}-${counter++}-${Math.random().toString(36).slice(2, 6)}@example.com`;
  const inv = ok(await api("/invitations", { as: admin, body: { email, role, ...(opts.teamId ? { team_id: opts.teamId } : {}) } }), 201, "create invitation");
  const res = await workerFetch(`${BASE}/api/v1/invitations/accept`, {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": `10.200.${counter % 250}.1` },
    body: JSON.stringify({ token: inv.token, name: opts.name ?? `Member ${counter}`, password: "correct horse battery" }),
  });
  const json: any = await res.json();
  if (res.status !== 200) throw new Error(`accept invitation failed: ${res.status} ${JSON.stringify(json)}`);
  return { cookie: cookieFrom(res.headers), csrf: json.csrf_token, user: json.user, tenant: json.tenant };
}

/** A connection of kind `webhook` (config `url`, secret `signing_secret`). */
export async function createWebhookConnection(
  s: Session,
  teamId: string,
  name: string,
  signingSecret: string,
): Promise<{ id: string; name: string; team_id: string }> {
  return ok(
    await api("/connections", {
      as: s,
      body: { team_id: teamId, name, kind: "webhook", config: { url: "https://hooks.example.com/tutti" }, secrets: { signing_secret: signingSecret } },
    }),
    201,
    "create connection",
  );
}
