/**
 * Registers a client at the test OpenID provider by OpenID Connect Dynamic Client Registration, as an owner would in
 * the provider's console. Plain fetch, so the workerd tests (test/helpers/sso.ts) and the browser tests share it.
 */
export async function registerClient(issuer: string, redirectUri: string): Promise<{ clientId: string; clientSecret: string }> {
  const res = await fetch(`${issuer}/reg`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    }),
  });
  if (res.status !== 201) throw new Error(`client registration: ${res.status} ${await res.text()}`);
  const json = (await res.json()) as { client_id: string; client_secret: string };
  return { clientId: json.client_id, clientSecret: json.client_secret };
}
