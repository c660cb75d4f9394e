import { tenantCtx, type Db, type TenantCtx } from "../db/client";
import { findTenantById, findTenantBySlug } from "../db/repo/accounts/users";
import type { AuditSource } from "../db/repo/platform/audit";
import { clientSecretAad, getSsoConfig, isSsoDomainOf, listGroupMappings, tenantOfDomain, type SsoConfig } from "../db/repo/sso/config";
import { applySsoSignIn, claimPendingLogin, insertPendingLogin, linkedUser, personInTenant } from "../db/repo/sso/sign-ins";
import { loadKeyRing, open } from "../lib/envelope";
import { isUniqueViolation } from "../db/unique";
import { sha256Hex } from "../lib/hash";
import { newId } from "../lib/ids";
import { tenantDb } from "../db/shards";
import type { Env } from "../env";
import { groupsFromClaims, syncFromGroups } from "./groups";
import { authorizationUrl, completeSignIn, discover, newPendingSignIn, SsoError, type OidcClientConfig, type Runtime } from "./oidc";

/** How long a sign-in may take at the provider, from start to callback. */
export const PENDING_LOGIN_TTL_MS = 10 * 60_000;

export const callbackUrlOf = (origin: string) => `${origin}/api/v1/auth/sso/callback`;

/** The tenant a sign-in goes to: by the address's domain (a verified domain of the tenant) or by the workspace slug. */
async function targetTenant(db: Db, target: { email?: string; tenant?: string }) {
  if (target.tenant) {
    const tenant = await findTenantBySlug(db, target.tenant);
    if (!tenant) throw new SsoError("no workspace has that name");
    return { tenantId: tenant.id, slug: tenant.slug };
  }
  const domain = target.email?.split("@")[1];
  const found = domain ? await tenantOfDomain(db, domain) : null;
  if (!found) throw new SsoError("single sign-on is not set up for this address; sign in with your password");
  return found;
}

async function clientConfig(env: Env, ctx: TenantCtx, config: SsoConfig | null): Promise<OidcClientConfig> {
  if (!config?.issuer || !config.clientId || !config.clientSecret) throw new SsoError("single sign-on is not set up for this workspace");
  const clientSecret = await open(await loadKeyRing(env.TUTTI_MASTER_KEY), config.clientSecret, clientSecretAad(ctx.tenantId));
  return { issuer: config.issuer, clientId: config.clientId, clientSecret };
}

/** A path inside the dashboard to land on after sign-in; anything else (another origin, `//host`) becomes "/". */
export const safeReturnTo = (value: string | undefined) => (value && /^\/(?![/\\])[\x21-\x7e]*$/.test(value) ? value : "/");

/**
 * Starts a sign-in: finds the tenant and its provider, stores the state's hash with the PKCE verifier and nonce
 * (single use, ten minutes), and returns the provider's authorization URL and the state for the browser's cookie.
 */
export async function startSsoSignIn(env: Env, db: Db, target: { email?: string; tenant?: string; returnTo?: string }, origin: string, now: number) {
  const { tenantId } = await targetTenant(db, target);
  const ctx = tenantCtx(db, tenantId);
  const client = await clientConfig(env, ctx, await getSsoConfig(ctx));
  const rt: Runtime = { tuttiEnv: env.TUTTI_ENV, now };
  const as = await discover(client.issuer, rt);
  const pending = newPendingSignIn();
  await insertPendingLogin(db, {
    stateHash: await sha256Hex(pending.state),
    tenantId,
    codeVerifier: pending.codeVerifier,
    nonce: pending.nonce,
    returnTo: safeReturnTo(target.returnTo),
    expiresAt: now + PENDING_LOGIN_TTL_MS,
    createdAt: now,
  });
  return { url: await authorizationUrl(as, client, pending, callbackUrlOf(origin), target.email), state: pending.state };
}

/**
 * The callback: takes the pending sign-in named by `state` (which must also be the browser's cookie, so a sign-in
 * cannot be finished in another browser), completes the code flow, and finds or provisions the person:
 * an identity already linked (issuer + subject) signs in as its user; otherwise the ID token's e-mail must be in a
 * verified domain of the tenant, and the account with that address is linked, or created (JIT) with the default
 * role. Group claims then set teams and, where mappings give one, the tenant role. Owners keep their role.
 */
export async function finishSsoSignIn(
  env: Env,
  db: Db,
  input: { state: string; cookieState: string | undefined; callbackUrl: URL; origin: string },
  source: Omit<AuditSource, "principal">,
) {
  if (!input.cookieState || input.cookieState !== input.state) throw new SsoError("this sign-in was started in another browser or has expired; start again");
  const pending = await claimPendingLogin(db, await sha256Hex(input.state), source.now);
  if (!pending) throw new SsoError("this sign-in is unknown, used or expired; start again");
  const ctx = tenantCtx(await tenantDb(env, pending.tenantId), pending.tenantId, db);
  const config = await getSsoConfig(ctx);
  const client = await clientConfig(env, ctx, config);
  const rt: Runtime = { tuttiEnv: env.TUTTI_ENV, now: source.now };
  const as = await discover(client.issuer, rt);
  const identity = await completeSignIn(
    as,
    client,
    { state: input.state, nonce: pending.nonce, codeVerifier: pending.codeVerifier },
    input.callbackUrl,
    callbackUrlOf(input.origin),
    rt,
  );

  const linked = await linkedUser(ctx, identity.issuer, identity.subject);
  let person = linked ? await personInTenant(ctx, { userId: linked }) : null;
  let link: { issuer: string; subject: string } | null = null;
  if (!person) {
    const email = identity.email;
    if (!email) throw new SsoError("the provider sent no e-mail address for this account");
    if (identity.claims.email_verified === false || identity.claims.email_verified === "false")
      throw new SsoError("the provider says this e-mail address is not verified");
    if (!(await isSsoDomainOf(ctx, email.split("@")[1] ?? ""))) throw new SsoError(`${email} is not in a domain this workspace signs in with single sign-on`);
    person = await personInTenant(ctx, { email });
    link = { issuer: identity.issuer, subject: identity.subject };
  }
  if (person?.scimActive === false) throw new SsoError("your account in this workspace has been deactivated by its identity provider");

  const userId = person?.id ?? newId("user");
  const email = person?.email ?? identity.email!;
  const groups = groupsFromClaims(identity.claims, config!.groupsClaim);
  const sync = await syncFromGroups(ctx, userId, person?.role ?? null, groups, await listGroupMappings(ctx));
  const currentRole = person?.role ?? null;
  const role = currentRole === "owner" ? "owner" : sync.rolesDecided ? (sync.tenantRole ?? config!.defaultRole) : (currentRole ?? config!.defaultRole);
  const principal = { actor: { type: "user" as const, id: userId, label: email } };
  await applySsoSignIn(
    ctx,
    { ...source, principal },
    {
      userId,
      email,
      newUser: person ? null : { name: identity.name ?? email.split("@")[0] },
      link,
      role: currentRole === role ? null : { from: currentRole, to: role },
      teams: sync.teams(role),
      issuer: identity.issuer,
      subject: identity.subject,
      groups,
    },
  ).catch((err) => {
    // The same new person finishing two sign-ins at once: one creates the account, the other is told to sign in again.
    if (isUniqueViolation(err)) throw new SsoError("this account was just created by another sign-in; sign in again");
    throw err;
  });
  const tenant = await findTenantById(db, pending.tenantId);
  if (!tenant) throw new SsoError("this workspace no longer exists");
  return {
    user: { id: userId, email, name: person?.name ?? identity.name ?? email.split("@")[0] },
    tenant: { id: pending.tenantId, slug: tenant.slug, name: tenant.name, role },
    returnTo: pending.returnTo,
  };
}
