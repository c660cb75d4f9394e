import { env } from "cloudflare:test";
import { workerFetch } from "../helpers/worker-fetch";
import { describe, expect, inject, it } from "vitest";
import { api, BASE, expectError, signup, type Session } from "../helpers/api";
import { createToken } from "../helpers/fixtures";
import { ssoSignIn, ssoWorkspace, uniqueDomain } from "../helpers/sso";
import { tenantD1 } from "../helpers/tenant-db";

const issuer = inject("oidcIssuer");
const SCIM_JSON = "application/scim+json";
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

async function scimToken(owner: Session): Promise<string> {
  const res = await api("/sso/scim-token", { as: owner, method: "POST" });
  if (res.status !== 201) throw new Error(`scim token: ${res.status} ${res.text}`);
  return res.json.token;
}

/** A request as an identity provider's SCIM client sends it. */
async function scim(token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await workerFetch(`${BASE}/scim/v2${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, accept: SCIM_JSON, ...(body !== undefined ? { "content-type": SCIM_JSON } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
}

/** Okta's create, after its `userName eq` lookup found nobody (Okta SCIM guide). */
const oktaUser = (email: string) => ({
  schemas: [USER],
  userName: email,
  name: { givenName: "Ana", familyName: "Silva" },
  emails: [{ primary: true, value: email, type: "work" }],
  displayName: "Ana Silva",
  locale: "en-US",
  externalId: `00u${Math.random().toString(36).slice(2, 12)}`,
  groups: [],
  active: true,
});

/** Entra ID's create (Microsoft Learn, "Use SCIM to provision users and groups"). */
const entraUser = (email: string) => ({
  schemas: [USER, ENTERPRISE],
  externalId: crypto.randomUUID(),
  userName: email,
  active: true,
  displayName: "Bo Larsen",
  emails: [{ primary: true, type: "work", value: email }],
  meta: { resourceType: "User" },
  name: { formatted: "Bo Larsen", familyName: "Larsen", givenName: "Bo" },
  roles: [],
  [ENTERPRISE]: { employeeNumber: "701984", department: "Data", manager: { value: "" } },
});

describe("SCIM Users", () => {
  it("Okta: test connection, lookup, create, get with ETag, filter, deactivate by path-less replace", async () => {
    const { owner, domain } = await ssoWorkspace(issuer);
    const token = await scimToken(owner);
    const probe = await scim(token, "GET", "/Users?startIndex=1&count=2");
    expect(probe.status).toBe(200);
    expect(probe.headers.get("content-type")).toContain(SCIM_JSON);
    expect(probe.json).toEqual({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });

    const email = `ana@${domain}`;
    const lookup = await scim(token, "GET", `/Users?filter=${encodeURIComponent(`userName eq "${email.toUpperCase()}"`)}&startIndex=1&count=100`);
    expect(lookup.json.totalResults).toBe(0);
    const created = await scim(token, "POST", "/Users", oktaUser(email));
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      schemas: [USER],
      userName: email,
      active: true,
      name: { givenName: "Ana", familyName: "Silva" },
      meta: { resourceType: "User", version: 'W/"1"' },
    });
    expect(created.headers.get("etag")).toBe('W/"1"');
    const id = created.json.id;

    // userName is not case-exact: the lookup finds them however the client writes it, and a second create is a 409.
    const found = await scim(token, "GET", `/Users?filter=${encodeURIComponent(`USERNAME eq "${email.toUpperCase()}"`)}`);
    expect(found.json.totalResults).toBe(1);
    expect(found.json.Resources[0].id).toBe(id);
    const dup = await scim(token, "POST", "/Users", oktaUser(email.toUpperCase()));
    expect(dup.status).toBe(409);
    expect(dup.json).toMatchObject({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "409", scimType: "uniqueness" });

    // The person is a member of the workspace with the default role.
    const members = (await api("/members", { as: owner })).json.items;
    expect(members.find((m: { email: string }) => m.email === email)?.role).toBe("member");

    const unchanged = await scim(token, "GET", `/Users/${id}`, undefined, { "if-none-match": 'W/"1"' });
    expect(unchanged.status).toBe(304);

    const off = await scim(token, "PATCH", `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", value: { active: false } }] });
    expect(off.status).toBe(200);
    expect(off.json.active).toBe(false);
    expect(off.headers.get("etag")).toBe('W/"2"');
    expect((await api("/members", { as: owner })).json.items.some((m: { email: string }) => m.email === email)).toBe(false);
    // A write naming an old version changes nothing.
    const stale = await scim(
      token,
      "PATCH",
      `/Users/${id}`,
      { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "active", value: true }] },
      { "if-match": 'W/"1"' },
    );
    expect(stale.status).toBe(412);
    expect((await scim(token, "GET", `/Users/${id}`)).json.active).toBe(false);
    // Okta's PUT without `active` keeps it.
    const put = await scim(token, "PUT", `/Users/${id}`, { ...oktaUser(email), active: undefined, displayName: "Ana S." });
    expect(put.json).toMatchObject({ active: false, displayName: "Ana S." });
  });

  it("Entra: create with the enterprise extension, PATCH with capitalised ops, dotted paths and string booleans", async () => {
    const { owner, domain } = await ssoWorkspace(issuer);
    const token = await scimToken(owner);
    const email = `bo@${domain}`;
    const created = await scim(token, "POST", "/Users", entraUser(email));
    expect(created.status).toBe(201);
    const id = created.json.id;
    const patched = await scim(token, "PATCH", `/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: "Replace", path: 'emails[type eq "work"].value', value: email },
        { op: "Replace", path: "name.familyName", value: "Larsen-Berg" },
        { op: "Add", path: `${ENTERPRISE}:employeeNumber`, value: "9" },
        { op: "Replace", path: "displayName", value: "Bo Larsen-Berg" },
      ],
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ name: { familyName: "Larsen-Berg", givenName: "Bo" }, displayName: "Bo Larsen-Berg", active: true });

    const off = await scim(token, "PATCH", `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: "Replace", path: "active", value: "False" }] });
    expect(off.json.active).toBe(false);
    const on = await scim(token, "PATCH", `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: "Replace", path: "active", value: "True" }] });
    expect(on.json.active).toBe(true);
    // The flagged (aadOptscim062020) form: lowercase op, path-less replace with dotted keys.
    const flagged = await scim(token, "PATCH", `/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "replace", value: { displayName: "Bo L.", "name.givenName": "Bosse", [`${ENTERPRISE}:employeeNumber`]: "10" } }],
    });
    expect(flagged.json).toMatchObject({ displayName: "Bo L.", name: { givenName: "Bosse" } });

    const bad = await scim(token, "PATCH", `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: "Replace", path: "active", value: "maybe" }] });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ status: "400", scimType: "invalidValue" });
    const badFilter = await scim(token, "GET", `/Users?filter=${encodeURIComponent('userName co "bo"')}`);
    expect(badFilter.status).toBe(400);
    expect(badFilter.json.scimType).toBe("invalidFilter");
  });

  it("the same create sent twice at once makes one user and one 409", async () => {
    const { owner, domain } = await ssoWorkspace(issuer);
    const token = await scimToken(owner);
    const body = oktaUser(`twice@${domain}`);
    const answers = await Promise.all([scim(token, "POST", "/Users", body), scim(token, "POST", "/Users", body)]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    expect((await scim(token, "GET", `/Users?filter=${encodeURIComponent(`userName eq "twice@${domain}"`)}`)).json.totalResults).toBe(1);
    const group = { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: "Twins" };
    const groups = await Promise.all([scim(token, "POST", "/Groups", group), scim(token, "POST", "/Groups", group)]);
    expect(groups.map((a) => a.status).sort()).toEqual([201, 409]);
  });

  it("pages with startIndex and count, reporting the total", async () => {
    const { owner, domain } = await ssoWorkspace(issuer);
    const token = await scimToken(owner);
    for (const n of [1, 2, 3, 4, 5]) expect((await scim(token, "POST", "/Users", oktaUser(`p${n}@${domain}`))).status).toBe(201);
    const page2 = await scim(token, "GET", "/Users?startIndex=3&count=2");
    expect(page2.json).toMatchObject({ totalResults: 5, startIndex: 3, itemsPerPage: 2 });
    expect(page2.json.Resources.map((u: { userName: string }) => u.userName)).toEqual([`p3@${domain}`, `p4@${domain}`]);
    const none = await scim(token, "GET", "/Users?count=0");
    expect(none.json).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] });
  });

  it("another workspace's SCIM token sees nothing of this one (404), and no token is 401", async () => {
    const a = await ssoWorkspace(issuer);
    const tokenA = await scimToken(a.owner);
    const id = (await scim(tokenA, "POST", "/Users", oktaUser(`cy@${a.domain}`))).json.id;
    const b = await signup({ email: `owner@${uniqueDomain()}` });
    const tokenB = await scimToken(b);
    expect((await scim(tokenB, "GET", `/Users/${id}`)).status).toBe(404);
    expect((await scim(tokenB, "PATCH", `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "active", value: false }] })).status).toBe(
      404,
    );
    expect((await scim(tokenB, "DELETE", `/Users/${id}`)).status).toBe(404);
    expect((await scim(tokenB, "GET", `/Users?filter=${encodeURIComponent(`userName eq "cy@${a.domain}"`)}`)).json.totalResults).toBe(0);
    expect((await scim("scim_not-a-token", "GET", "/Users")).status).toBe(401);
    // Rotating the token retires the old one at once.
    await scimToken(a.owner);
    expect((await scim(tokenA, "GET", "/Users")).status).toBe(401);
  });

  it("the SCIM token is shown once, stored only as a hash, and never returned by the settings", async () => {
    const owner = await signup();
    const token = await scimToken(owner);
    const settings = await api("/sso", { as: owner });
    expect(settings.json.scim.token_prefix).toBe(token.slice(0, 11));
    expect(settings.text).not.toContain(token);
    const row = await env.DB.prepare("SELECT scim_token_hash FROM sso_configs WHERE tenant_id = ?").bind(owner.tenant.id).first<{ scim_token_hash: string }>();
    expect(row?.scim_token_hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("SCIM Groups", () => {
  it("Entra: a group becomes a team; members added and removed follow; lookups can leave members out", async () => {
    const { owner, domain } = await ssoWorkspace(issuer);
    const token = await scimToken(owner);
    const u1 = (await scim(token, "POST", "/Users", entraUser(`g1@${domain}`))).json.id;
    const u2 = (await scim(token, "POST", "/Users", entraUser(`g2@${domain}`))).json.id;
    const created = await scim(token, "POST", "/Groups", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
      externalId: crypto.randomUUID(),
      displayName: "Data Engineers",
      meta: { resourceType: "Group" },
    });
    expect(created.status).toBe(201);
    const gid = created.json.id;
    const teams = (await api("/teams", { as: owner })).json.items;
    const team = teams.find((t: { name: string }) => t.name === "Data Engineers");
    expect(team).toBeTruthy();

    const add = await scim(token, "PATCH", `/Groups/${gid}`, {
      schemas: [PATCH_OP],
      Operations: [
        {
          op: "Add",
          path: "members",
          value: [
            { $ref: null, value: u1 },
            { $ref: null, value: u2 },
          ],
        },
      ],
    });
    expect(add.status).toBe(204);
    const memberEmails = async () => (await api(`/teams/${team.id}/members`, { as: owner })).json.items.map((m: { email: string }) => m.email).sort();
    expect(await memberEmails()).toEqual([`g1@${domain}`, `g2@${domain}`]);

    const remove = await scim(token, "PATCH", `/Groups/${gid}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "Remove", path: "members", value: [{ value: u1 }] }],
    });
    expect(remove.status).toBe(204);
    expect(await memberEmails()).toEqual([`g2@${domain}`]);

    const lookup = await scim(token, "GET", `/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "Data Engineers"')}`);
    expect(lookup.json.totalResults).toBe(1);
    expect(lookup.json.Resources[0]).not.toHaveProperty("members");
    const full = await scim(token, "GET", `/Groups/${gid}`);
    expect(full.json.members.map((m: { value: string }) => m.value)).toEqual([u2]);
    expect(full.headers.get("etag")).toBe('W/"3"');

    const renamed = await scim(token, "PATCH", `/Groups/${gid}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "Replace", path: "displayName", value: "Data Platform" }],
    });
    expect(renamed.status).toBe(204);
    expect((await api(`/teams/${team.id}`, { as: owner })).json.name).toBe("Data Platform");
  });

  it("Okta: group push adds members and removes one by a filtered path; deleting the group empties its team but keeps it", async () => {
    const { owner, domain } = await ssoWorkspace(issuer);
    const token = await scimToken(owner);
    const u1 = (await scim(token, "POST", "/Users", oktaUser(`o1@${domain}`))).json.id;
    const gid = (await scim(token, "POST", "/Groups", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: "Analysts", members: [] })).json
      .id;
    await scim(token, "PATCH", `/Groups/${gid}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "add", path: "members", value: [{ value: u1, display: `o1@${domain}` }] }],
    });
    const team = (await api("/teams", { as: owner })).json.items.find((t: { name: string }) => t.name === "Analysts");
    expect((await api(`/teams/${team.id}/members`, { as: owner })).json.items).toHaveLength(1);
    await scim(token, "PATCH", `/Groups/${gid}`, { schemas: [PATCH_OP], Operations: [{ op: "remove", path: `members[value eq "${u1}"]` }] });
    expect((await api(`/teams/${team.id}/members`, { as: owner })).json.items).toHaveLength(0);
    await scim(token, "PATCH", `/Groups/${gid}`, { schemas: [PATCH_OP], Operations: [{ op: "add", path: "members", value: [{ value: u1 }] }] });
    expect((await scim(token, "DELETE", `/Groups/${gid}`)).status).toBe(204);
    expect((await api(`/teams/${team.id}/members`, { as: owner })).json.items).toHaveLength(0);
    expect((await api(`/teams/${team.id}`, { as: owner })).status).toBe(200);
    expect((await scim(token, "GET", `/Groups/${gid}`)).status).toBe(404);
  });
});

describe("provisioned, signed in through SSO, deprovisioned", () => {
  it("a person provisioned by SCIM signs in through SSO into their teams; deactivation ends their sessions and tokens in that one request", async () => {
    const { owner, domain } = await ssoWorkspace(issuer);
    await api("/sso", { as: owner, method: "PATCH", body: { default_role: "member" } });
    const token = await scimToken(owner);
    const email = `dee@${domain}`;
    const uid = (await scim(token, "POST", "/Users", entraUser(email))).json.id;
    const gid = (await scim(token, "POST", "/Groups", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: "Finance Data" })).json.id;
    await scim(token, "PATCH", `/Groups/${gid}`, { schemas: [PATCH_OP], Operations: [{ op: "Add", path: "members", value: [{ value: uid }] }] });

    const session = await ssoSignIn(`email=${email}`, email);
    const me = (await api("/me", { as: session })).json;
    expect(me.role).toBe("member");
    const team = me.teams.find((t: { name: string; role: string | null }) => t.name === "Finance Data");
    expect(team.role).toBe("member");
    const { token: apiToken } = await createToken(session, team.id, ["read"]);
    expect((await api("/me", { as: apiToken })).status).toBe(200);
    const second = await ssoSignIn(`email=${email}`, email);

    const off = await scim(token, "PATCH", `/Users/${uid}`, { schemas: [PATCH_OP], Operations: [{ op: "Replace", path: "active", value: "False" }] });
    expect(off.status).toBe(200);
    // No waiting: the sessions and the token are gone when the PATCH has answered.
    expectError(await api("/me", { as: session }), 401, "unauthorized");
    expectError(await api("/me", { as: second }), 401, "unauthorized");
    expectError(await api("/me", { as: apiToken }), 401, "unauthorized");
    const revoked = await (await tenantD1(owner.tenant.id))
      .prepare("SELECT details FROM audit_log WHERE tenant_id = ? AND action = 'token.revoked'")
      .bind(owner.tenant.id)
      .first<{ details: string }>();
    expect(JSON.parse(revoked!.details).reason).toBe("deprovisioned");

    // Nor can they sign in again through the provider, which still knows them.
    const { startSignIn, loginAtProvider, callback, ssoError } = await import("../helpers/sso");
    const started = await startSignIn(`email=${email}`);
    const done = await callback(await loginAtProvider(started.location, email), started.stateCookie);
    expect(done.cookie).toBe("");
    expect(ssoError(done.location)).toMatch(/deactivated/);

    // Reactivated, they are back in the workspace and its SCIM team.
    await scim(token, "PATCH", `/Users/${uid}`, { schemas: [PATCH_OP], Operations: [{ op: "Replace", path: "active", value: "True" }] });
    const back = (await api("/me", { as: await ssoSignIn(`email=${email}`, email) })).json;
    expect(back.teams.find((t: { name: string }) => t.name === "Finance Data").role).toBe("member");
  });

  it("DELETE /Users deprovisions too, and the last owner cannot be deprovisioned", async () => {
    const { owner, domain } = await ssoWorkspace(issuer);
    const token = await scimToken(owner);
    const email = `del@${domain}`;
    const uid = (await scim(token, "POST", "/Users", oktaUser(email))).json.id;
    const session = await ssoSignIn(`email=${email}`, email);
    expect((await scim(token, "DELETE", `/Users/${uid}`)).status).toBe(204);
    expectError(await api("/me", { as: session }), 401, "unauthorized");
    expect((await scim(token, "GET", `/Users/${uid}`)).status).toBe(404);

    const ownerScim = await scim(token, "POST", "/Users", oktaUser(owner.user.email));
    expect(ownerScim.status).toBe(201);
    const refused = await scim(token, "PATCH", `/Users/${ownerScim.json.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "replace", value: { active: false } }],
    });
    expect(refused.status).toBe(400);
    expect(refused.json.scimType).toBe("mutability");
    expect((await api("/me", { as: owner })).status).toBe(200);
  });
});
