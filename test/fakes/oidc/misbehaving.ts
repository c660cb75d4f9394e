import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from "jose";

/**
 * An OpenID provider that breaks one rule on purpose, for the refusal tests only: a real provider (provider.ts)
 * never issues a token with a wrong audience or a stale expiry, so Tutti's checks of those can only be shown failing
 * against one that does. Everything else follows the protocol: discovery, JWKS, authorization with PKCE (the code
 * is redeemed only with the right verifier and client secret), RS256 ID tokens.
 *
 * The client id picks the flaw, so parallel tests share nothing:
 *   honest          — a correct token (the control: proves the flaw, not the setup, is what gets refused)
 *   wrong-issuer    — `iss` is another issuer
 *   wrong-audience  — `aud` is another client
 *   expired         — `exp` an hour ago
 *   wrong-nonce     — `nonce` is not the one sent
 *   unknown-key     — signed by a key the JWKS does not publish
 * Every client's secret is `secret-<client id>`. The authorization endpoint signs the person in at once as the
 * `login_hint` (or `someone@example.com`), with `groups: []`.
 */

export interface MisbehavingProvider {
  issuer: string;
  close(): Promise<void>;
}

interface IssuedCode {
  clientId: string;
  redirectUri: string;
  nonce: string;
  challenge: string;
  email: string;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const s256 = (verifier: string) => createHash("sha256").update(verifier).digest("base64url");

export async function startMisbehavingProvider(): Promise<MisbehavingProvider> {
  const published = await generateKeyPair("RS256");
  const unpublished = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(published.publicKey)), kid: "published", use: "sig", alg: "RS256" };
  const codes = new Map<string, IssuedCode>();
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function idToken(code: IssuedCode) {
    const now = Math.floor(Date.now() / 1000);
    const flaw = code.clientId;
    let key: KeyLike = published.privateKey;
    let kid = "published";
    if (flaw === "unknown-key") {
      key = unpublished.privateKey;
      kid = "not-published";
    }
    return new SignJWT({ email: code.email, email_verified: true, nonce: flaw === "wrong-nonce" ? "another-nonce" : code.nonce, groups: [] })
      .setProtectedHeader({ alg: "RS256", kid })
      .setIssuer(flaw === "wrong-issuer" ? "https://another-issuer.example" : issuer)
      .setAudience(flaw === "wrong-audience" ? "another-client" : code.clientId)
      .setSubject(`sub-${code.email}`)
      .setIssuedAt(flaw === "expired" ? now - 7200 : now)
      .setExpirationTime(flaw === "expired" ? now - 3600 : now + 600)
      .sign(key);
  }

  server.on("request", async (req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    const json = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (url.pathname === "/.well-known/openid-configuration") {
      return json(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        code_challenge_methods_supported: ["S256"],
        token_endpoint_auth_methods_supported: ["client_secret_basic"],
      });
    }
    if (url.pathname === "/jwks") return json(200, { keys: [jwk] });
    if (url.pathname === "/authorize") {
      const p = url.searchParams;
      const code = randomBytes(16).toString("hex");
      codes.set(code, {
        clientId: p.get("client_id") ?? "",
        redirectUri: p.get("redirect_uri") ?? "",
        nonce: p.get("nonce") ?? "",
        challenge: p.get("code_challenge") ?? "",
        email: p.get("login_hint") ?? "someone@example.com",
      });
      const back = new URL(p.get("redirect_uri") ?? "");
      back.searchParams.set("code", code);
      back.searchParams.set("state", p.get("state") ?? "");
      return res.writeHead(302, { location: back.href }).end();
    }
    if (url.pathname === "/token" && req.method === "POST") {
      const form = new URLSearchParams(await readBody(req));
      const [clientId, secret] = Buffer.from((req.headers.authorization ?? "").replace(/^Basic /, ""), "base64")
        .toString()
        .split(":")
        .map(decodeURIComponent);
      const code = codes.get(form.get("code") ?? "");
      codes.delete(form.get("code") ?? "");
      if (!code || code.clientId !== clientId || secret !== `secret-${clientId}`) return json(400, { error: "invalid_grant" });
      if (form.get("redirect_uri") !== code.redirectUri || s256(form.get("code_verifier") ?? "") !== code.challenge)
        return json(400, { error: "invalid_grant" });
      return json(200, { access_token: randomBytes(16).toString("hex"), token_type: "Bearer", expires_in: 600, id_token: await idToken(code) });
    }
    json(404, { error: "not_found" });
  });

  return { issuer, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
