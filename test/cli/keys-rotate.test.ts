import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countByVersion, rotateKeys } from "../../scripts/keys-rotate";
import type { ProxyTarget } from "../../scripts/lib/platform-proxy";
import { secretAad } from "../../worker/db/repo/connections/connections";
import { webhookSecretAad } from "../../worker/db/repo/pipelines/webhook-secrets";
import { clientSecretAad } from "../../worker/db/repo/sso/config";
import { totpSecretAad } from "../../worker/db/repo/accounts/mfa-factors";
import { type Envelope, loadKeyRing, open, seal } from "../../worker/lib/envelope";
import { binOf, repoRoot } from "../e2e/helpers/processes";
import { copyMigratedState } from "../e2e/helpers/wrangler";

const OLD = "1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const NEW = "2:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";

// The command against a real local D1 (wrangler's own state folder, throwaway), as an operator runs it. The setup's
// `wrangler d1` processes take 2–5 s each on a quiet machine and far longer on a loaded CI: the limits only bound a hang.
const LIMIT_MS = 300_000;

describe("npm run keys:rotate", () => {
  const persistTo = mkdtempSync(join(tmpdir(), "tutti-keys-test-"));
  const target: ProxyTarget = { remote: false, persistTo };
  const d1 = (...args: string[]) => {
    const r = spawnSync(process.execPath, [binOf("wrangler"), "d1", ...args, "--local", "--persist-to", persistTo], {
      cwd: repoRoot,
      encoding: "utf8",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    });
    if (r.status !== 0) throw new Error(`${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  /** The first row of each query, read with one `wrangler d1 execute --json` (its statements' results in order). */
  const firstRows = (...queries: string[]) => {
    const out = d1("execute", "DB", "--json", "--command", queries.join(";\n"));
    return (JSON.parse(out.slice(out.indexOf("["))) as { results: Record<string, string>[] }[]).map((r) => r.results[0]);
  };

  beforeAll(async () => {
    await copyMigratedState(persistTo);
    // The rows go in with one `wrangler d1 execute` (its statements in one batch): each process costs seconds.
    const inserts: string[] = [];
    const ring = await loadKeyRing(OLD);
    const rows = [];
    for (const id of ["conn_a", "conn_b", "conn_it's"]) {
      const secrets = {
        api_key: await seal(ring, `key-of-${id}`, secretAad("ten_1", id, "api_key")),
        webhook_secret: await seal(ring, `hook-of-${id}`, secretAad("ten_1", id, "webhook_secret")),
      };
      rows.push(`('ten_1', '${id.replaceAll("'", "''")}', 'team_1', '${id.replaceAll("'", "''")}', 'http', '{}', '${JSON.stringify(secrets)}', 'usr_1', 0, 0)`);
    }
    inserts.push(`INSERT INTO connections (tenant_id, id, team_id, name, kind, config, secrets, created_by, created_at, updated_at) VALUES ${rows.join(", ")}`);
    // Every kind of sealed secret is rotated: a pipeline's webhook-trigger secret too.
    const hook = await seal(ring, "whsec_of-pl_1", webhookSecretAad("ten_1", "pl_1"));
    inserts.push(
      `INSERT INTO pipeline_webhook_secrets (tenant_id, pipeline_id, secret, created_by, created_at) VALUES ('ten_1', 'pl_1', '${JSON.stringify(hook)}', 'usr_1', 0)`,
    );
    // …and a workspace's SSO client secret; a workspace whose SSO has no secret yet has nothing to re-wrap.
    const sso = await seal(ring, "client-secret-of-ten_1", clientSecretAad("ten_1"));
    inserts.push(
      `INSERT INTO sso_configs (tenant_id, client_secret, created_at, updated_at) VALUES ('ten_1', '${JSON.stringify(sso)}', 0, 0), ('ten_2', NULL, 0, 0)`,
    );
    // …and a person's authenticator-app secret, which belongs to their account rather than a workspace.
    const totp = await seal(ring, "JBSWY3DPEHPK3PXP", totpSecretAad("usr_1"));
    inserts.push(`INSERT INTO user_totp (user_id, secret, confirmed_at, created_at) VALUES ('usr_1', '${JSON.stringify(totp)}', 0, 0)`);
    d1("execute", "DB", "--command", inserts.join(";\n"));
  }, LIMIT_MS);
  afterAll(() => rmSync(persistTo, { recursive: true, force: true }));

  it(
    "moves every secret under the newest key, page by page; the old key can then leave the ring",
    async () => {
      expect(await countByVersion(target)).toEqual(new Map([[1, 9]]));
      // A dry run counts and writes nothing: the real run below still finds all nine.
      expect(await rotateKeys(target, `${NEW},${OLD}`, { dryRun: true })).toEqual({ rows: 6, secrets: 9, current: 2 });
      expect(await rotateKeys(target, `${NEW},${OLD}`, { pageSize: 2 })).toEqual({ rows: 6, secrets: 9, current: 2 });
      expect(await countByVersion(target)).toEqual(new Map([[2, 9]]));
      const newOnly = await loadKeyRing(NEW);
      const [connection, hookRow, ssoRow, totpRow] = firstRows(
        "SELECT secrets FROM connections WHERE id = 'conn_it''s'",
        "SELECT secret FROM pipeline_webhook_secrets WHERE pipeline_id = 'pl_1'",
        "SELECT client_secret FROM sso_configs WHERE tenant_id = 'ten_1'",
        "SELECT secret FROM user_totp WHERE user_id = 'usr_1'",
      );
      const secrets = JSON.parse(connection.secrets) as Record<string, Envelope>;
      expect(await open(newOnly, secrets.api_key, secretAad("ten_1", "conn_it's", "api_key"))).toBe("key-of-conn_it's");
      expect(await open(newOnly, secrets.webhook_secret, secretAad("ten_1", "conn_it's", "webhook_secret"))).toBe("hook-of-conn_it's");
      const hook = JSON.parse(hookRow.secret) as Envelope;
      expect(await open(newOnly, hook, webhookSecretAad("ten_1", "pl_1"))).toBe("whsec_of-pl_1");
      const ssoSecret = JSON.parse(ssoRow.client_secret) as Envelope;
      expect(await open(newOnly, ssoSecret, clientSecretAad("ten_1"))).toBe("client-secret-of-ten_1");
      const totpSecret = JSON.parse(totpRow.secret) as Envelope;
      expect(await open(newOnly, totpSecret, totpSecretAad("usr_1"))).toBe("JBSWY3DPEHPK3PXP");

      // Nothing left to do: a second run changes nothing.
      expect(await rotateKeys(target, `${NEW},${OLD}`)).toEqual({ rows: 0, secrets: 0, current: 2 });
    },
    LIMIT_MS,
  );
});
