import { generateKeyPairSync } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Provider, { type Configuration, type KoaContextWithOIDC } from "oidc-provider";

/**
 * A real OpenID Provider (panva's `oidc-provider`, the certified implementation) on 127.0.0.1, for SSO tests. Nothing
 * about the protocol is imitated: discovery, authorization with PKCE, the login page (the library's development
 * interactions: any login name, any password), the token endpoint, ID token signing and JWKS are the library's.
 * What the tests set up through it:
 *   - clients by OpenID Connect Dynamic Client Registration (`POST /reg`, open registration), so each test file
 *     registers its own client with its own redirect URI (the workerd origin, or the e2e `wrangler dev` port);
 *   - people by `PUT /__accounts/<login>` `{ email?, email_verified?, name?, groups? }` (a test-only control): their
 *     claims go into the ID token (`conformIdTokenClaims: false`, as Okta and Entra put `email` and `groups` there);
 *     a login with no such entry signs in with `sub` = the login and, when it looks like an address, that as e-mail;
 *   - key rotation by `POST /__rotate`: a new RSA key signs from then on, the previous ones stay published in JWKS.
 * Consent is granted up front (admin consent, as a workspace's IdP app is set up), so the login form is the only page.
 */

export interface OidcProviderFake {
  issuer: string;
  close(): Promise<void>;
}

interface AccountClaims {
  email?: string;
  email_verified?: boolean;
  name?: string;
  groups?: string[];
}

const newSigningKey = (kid: string) => {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { ...(privateKey.export({ format: "jwk" }) as Record<string, string>), kid, use: "sig", alg: "RS256" };
};

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startOidcProvider(port = 0): Promise<OidcProviderFake> {
  const accounts = new Map<string, AccountClaims>();
  const keys = [newSigningKey("key-1")];
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const configuration = (): Configuration => ({
    jwks: { keys: keys.map((k) => ({ ...k })) },
    cookies: { keys: ["tutti-test-cookie-key"] },
    features: {
      devInteractions: { enabled: true },
      registration: { enabled: true },
      // Without https the library refuses Secure cookies; the provider runs on loopback only.
    },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"], groups: ["groups"] },
    scopes: ["openid", "email", "profile", "groups"],
    conformIdTokenClaims: false,
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    pkce: { required: () => true },
    async findAccount(_ctx: KoaContextWithOIDC, sub: string) {
      const known = accounts.get(sub) ?? {};
      return {
        accountId: sub,
        async claims() {
          const email = known.email ?? (sub.includes("@") ? sub : undefined);
          return {
            sub,
            ...(email ? { email, email_verified: known.email_verified ?? true } : {}),
            ...(known.name ? { name: known.name } : {}),
            ...(known.groups ? { groups: known.groups } : {}),
          };
        },
      };
    },
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId });
      grant.addOIDCScope("openid email profile groups");
      await grant.save();
      return grant;
    },
  });

  let provider = new Provider(issuer, configuration());
  provider.proxy = false;

  server.on("request", async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", issuer);
    if (req.method === "PUT" && url.pathname.startsWith("/__accounts/")) {
      accounts.set(decodeURIComponent(url.pathname.slice("/__accounts/".length)), JSON.parse((await readBody(req)) || "{}"));
      res.writeHead(204).end();
      return;
    }
    if (req.method === "POST" && url.pathname === "/__rotate") {
      // The new key goes first (the library signs with the first key of an algorithm); old ones stay published.
      keys.unshift(newSigningKey(`key-${keys.length + 1}`));
      provider = new Provider(issuer, configuration());
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ kid: keys[0].kid }));
      return;
    }
    provider.callback()(req, res);
  });

  return { issuer, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
