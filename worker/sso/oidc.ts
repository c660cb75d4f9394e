import * as oauth from "oauth4webapi";
import { isLocalEnv } from "../lib/urls";

/**
 * OpenID Connect with oauth4webapi: discovery, the authorization code flow with PKCE, state and nonce, and the ID
 * token checks of OIDC Core §3.1.3.7 (`iss`, `aud`/`azp`, `exp`/`iat`, `nonce`, and the signature against the
 * issuer's JWKS — picked by `kid`; an unknown `kid` makes the library fetch the JWKS again).
 * Discovery and JWKS are fetched on each sign-in, so a provider's rotated keys are used at once and nothing stale
 * is kept between isolates. Plain http issuers are allowed only where TUTTI_ENV is a local one (dev, test, e2e).
 */

export interface OidcClientConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

/** Why a sign-in was refused, in words safe to show the person (no token, no secret). */
export class SsoError extends Error {}

export interface Runtime {
  tuttiEnv: string | undefined;
  /** Milliseconds; the library's clock is moved to it, so an injected clock also decides expiry. */
  now: number;
}

const options = (rt: Runtime) => ({
  [oauth.allowInsecureRequests]: isLocalEnv(rt.tuttiEnv),
  signal: AbortSignal.timeout(10_000),
});

const clientOf = (config: Pick<OidcClientConfig, "clientId">, rt: Runtime): oauth.Client => ({
  client_id: config.clientId,
  [oauth.clockSkew]: Math.round((rt.now - Date.now()) / 1000),
});

/** The provider's metadata from `{issuer}/.well-known/openid-configuration`; its `issuer` must be the one configured. */
export async function discover(issuer: string, rt: Runtime): Promise<oauth.AuthorizationServer> {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new SsoError("the issuer is not a URL");
  }
  if (url.protocol !== "https:" && !(isLocalEnv(rt.tuttiEnv) && url.protocol === "http:")) throw new SsoError("the issuer must be an https:// URL");
  try {
    const as = await oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, options(rt)));
    if (!as.authorization_endpoint || !as.token_endpoint || !as.jwks_uri)
      throw new SsoError("the discovery document lacks an authorization, token or JWKS endpoint");
    return as;
  } catch (err) {
    if (err instanceof SsoError) throw err;
    throw new SsoError(`discovery at ${url.origin} failed: ${describe(err)}`);
  }
}

export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** Fresh state, nonce and PKCE verifier for one sign-in. */
export function newPendingSignIn(): PendingSignIn {
  return { state: oauth.generateRandomState(), nonce: oauth.generateRandomNonce(), codeVerifier: oauth.generateRandomCodeVerifier() };
}

/** The provider's authorization URL for this sign-in (code flow, S256 PKCE, state, nonce). */
export async function authorizationUrl(
  as: oauth.AuthorizationServer,
  config: OidcClientConfig,
  pending: PendingSignIn,
  redirectUri: string,
  loginHint?: string,
) {
  const url = new URL(as.authorization_endpoint!);
  url.searchParams.set("client_id", config.clientId);
  url.searchParams.set("redirect_uri", redirectUri);
  url.searchParams.set("response_type", "code");
  // `groups` only where the provider lists it (Okta does; Entra puts groups in the token by app setting and would
  // refuse an unknown scope).
  url.searchParams.set("scope", as.scopes_supported?.includes("groups") ? "openid email profile groups" : "openid email profile");
  url.searchParams.set("state", pending.state);
  url.searchParams.set("nonce", pending.nonce);
  url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(pending.codeVerifier));
  url.searchParams.set("code_challenge_method", "S256");
  if (loginHint) url.searchParams.set("login_hint", loginHint);
  return url;
}

/** Claims Tutti reads from a validated ID token. */
export interface VerifiedIdentity {
  issuer: string;
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  claims: Record<string, unknown>;
}

const clientAuth = (as: oauth.AuthorizationServer, secret: string) =>
  as.token_endpoint_auth_methods_supported && !as.token_endpoint_auth_methods_supported.includes("client_secret_basic")
    ? oauth.ClientSecretPost(secret)
    : oauth.ClientSecretBasic(secret);

/**
 * The callback's half: checks the response's `state` (and `iss`, when the provider sends it), redeems the code with
 * the PKCE verifier, and validates the ID token, nonce included. Any failure is an `SsoError`.
 */
export async function completeSignIn(
  as: oauth.AuthorizationServer,
  config: OidcClientConfig,
  pending: PendingSignIn,
  callbackUrl: URL,
  redirectUri: string,
  rt: Runtime,
): Promise<VerifiedIdentity> {
  const client = clientOf(config, rt);
  try {
    const params = oauth.validateAuthResponse(as, client, callbackUrl.searchParams, pending.state);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      clientAuth(as, config.clientSecret),
      params,
      redirectUri,
      pending.codeVerifier,
      options(rt),
    );
    const result = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: pending.nonce, requireIdToken: true });
    // The library leaves the signature of a token-endpoint ID token to TLS (Core §3.1.3.7 allows that); Tutti checks
    // it against the provider's JWKS anyway, so a token endpoint that is not who the issuer says cannot sign people in.
    await oauth.validateApplicationLevelSignature(as, response, options(rt));
    const claims = oauth.getValidatedIdTokenClaims(result)!;
    const email = typeof claims.email === "string" ? claims.email.trim().toLowerCase() : null;
    // Some providers send "true" as a string (e.g. older Entra and Cognito tokens).
    const emailVerified = claims.email_verified === true || claims.email_verified === "true";
    return { issuer: claims.iss, subject: claims.sub, email, emailVerified, name: typeof claims.name === "string" ? claims.name : null, claims };
  } catch (err) {
    throw new SsoError(describe(err));
  }
}

/** A short reason from the library's errors; never a token or the response body. */
function describe(err: unknown): string {
  if (err instanceof oauth.AuthorizationResponseError) return `the provider answered ${err.error}${err.error_description ? `: ${err.error_description}` : ""}`;
  if (err instanceof oauth.ResponseBodyError) return `the token endpoint answered ${err.error}`;
  if (err instanceof Error) return err.message;
  return "unknown error";
}
