import { keyPair } from "./rsa-keys";
import { fakeUrl } from "./tool-fakes";

/**
 * A Google service account known to the BigQuery fake: its key file as Google Cloud downloads it (the connection's
 * `service_account_key`), with its public key registered at the fake's token endpoint.
 */
export async function serviceAccount(project: string) {
  const keys = await keyPair();
  const email = `tutti-${crypto.randomUUID().slice(0, 8)}@${project}.iam.gserviceaccount.com`;
  const keyId = crypto.randomUUID().replaceAll("-", "");
  const res = await fetch(`${fakeUrl("bigquery")}/__fake/keys/${encodeURIComponent(email)}`, {
    method: "PUT",
    body: JSON.stringify({ public_key: keys.publicPem, private_key_id: keyId }),
  });
  if (res.status !== 204) throw new Error(`registering the service account: ${res.status}`);
  const keyFile = JSON.stringify({
    type: "service_account",
    project_id: project,
    private_key_id: keyId,
    private_key: keys.privatePem,
    client_email: email,
    client_id: "100000000000000000001",
    auth_uri: "https://accounts.google.com/o/oauth2/auth",
    token_uri: "https://oauth2.googleapis.com/token",
  });
  return { email, keyFile, privatePem: keys.privatePem };
}

/** The BigQuery connection config that points at the fake (api and token endpoint on one fake origin). */
export const bigQueryConfig = (project: string, extra: Record<string, unknown> = {}) => ({
  project_id: project,
  location: "US",
  api_url: fakeUrl("bigquery"),
  token_url: `${fakeUrl("bigquery")}/token`,
  ...extra,
});
