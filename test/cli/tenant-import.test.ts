import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tarEnd, tarFile } from "../../worker/tenant-data/tar";
import { binOf, repoRoot } from "../e2e/helpers/processes";
import { copyMigratedState } from "../e2e/helpers/wrangler";

// The command against a real local D1 and R2 (wrangler's own state folder, throwaway), as an operator runs it. The
// limits only bound a hang: `wrangler d1` processes take seconds each on a loaded machine.
const LIMIT_MS = 300_000;

const encoder = new TextEncoder();
const TENANT = "ten_imported";
const MANIFEST_BLOB = encoder.encode('{"nodes":{}}');
const BLOB_SHA = "5f0b3a3b0d0c2c5b3b6f1c6d8c6b7e3c2f2a6e6e1f0c8b9d2a7e4c1b0d9e8f7a";

/** A small archive as an export writes it: the tenant, a team, a member, one blob, the manifest. */
function archive(): Uint8Array {
  const json = (value: unknown) => encoder.encode(`${JSON.stringify(value)}\n`);
  const files: Array<[string, Uint8Array]> = [
    [
      "tenant.json",
      json({ format: "tutti-tenant-export", version: 1, tenant: { id: TENANT, slug: "imported", name: "Imported", mfa_required: 0, created_at: 1 } }),
    ],
    ["tables/teams/000001.jsonl", json({ tenant_id: TENANT, id: "team_1", slug: "data", name: "Data", created_at: 2 })],
    ["tables/tenant_members/000001.jsonl", json({ tenant_id: TENANT, user_id: "usr_imported", role: "owner", created_at: 3 })],
    ["tables/users/000001.jsonl", json({ id: "usr_imported", email: "imported@example.com", name: "Ima Ported", created_at: 4 })],
    [`blobs/dbt-manifest/${BLOB_SHA}`, MANIFEST_BLOB],
    [
      "manifest.json",
      json({
        format: "tutti-tenant-export",
        version: 1,
        export_id: "exp_cli",
        tenant_id: TENANT,
        exported_at: "2026-12-01T00:00:00.000Z",
        tables: { teams: { rows: 1, files: 1 }, tenant_members: { rows: 1, files: 1 } },
        users: { rows: 1, files: 1 },
        blobs: { count: 1, bytes: MANIFEST_BLOB.length },
        left_out: {},
      }),
    ],
  ];
  const chunks = [...files.flatMap(([path, bytes]) => tarFile(path, bytes, 0)), tarEnd()];
  return Buffer.concat(chunks);
}

describe("npm run tenant:import and tenant:move", () => {
  const dir = mkdtempSync(join(tmpdir(), "tutti-import-test-"));
  const persistTo = join(dir, "state");
  const file = join(dir, "export.tar");
  const wrangler = (...args: string[]) => {
    const r = spawnSync(process.execPath, [binOf("wrangler"), ...args, "--local", "--persist-to", persistTo], {
      cwd: repoRoot,
      encoding: "utf8",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    });
    if (r.status !== 0) throw new Error(`${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  /** Each query's rows, read with one `wrangler d1 execute --json` (each process costs seconds). */
  const queryOn = (database: string, ...sql: string[]) => {
    const out = wrangler("d1", "execute", database, "--json", "--command", sql.join(";\n"));
    return (JSON.parse(out.slice(out.indexOf("["))) as { results: Array<Record<string, unknown>> }[]).map((r) => r.results);
  };
  const query = (...sql: string[]) => queryOn("DB", ...sql);
  const importCommand = (archivePath = file) =>
    spawnSync(process.execPath, [binOf("tsx"), "scripts/tenant-import.ts", "--local", "--persist-to", persistTo, "--archive", archivePath], {
      cwd: repoRoot,
      encoding: "utf8",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    });

  beforeAll(async () => {
    await copyMigratedState(persistTo);
    writeFileSync(file, archive());
  }, LIMIT_MS);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    "imports an archive file into the local database and bucket; a second run finds it done",
    () => {
      const first = importCommand();
      expect(first.status, first.stderr).toBe(0);
      // Placed on the shard with the fewest tenants (wrangler.toml lists two).
      expect(first.stdout).toMatch(new RegExp(`Imported: imported \\(${TENANT}\\) from export exp_cli, on SHARD_[12]\\.`));
      expect(first.stdout).toContain("1 account(s) created without a password");
      const [tenants, members, users] = query(
        `SELECT slug FROM tenants WHERE id = '${TENANT}'`,
        `SELECT user_id, role FROM tenant_members WHERE tenant_id = '${TENANT}'`,
        "SELECT email, password_hash FROM users WHERE id = 'usr_imported'",
      );
      expect(tenants).toEqual([{ slug: "imported" }]);
      expect(members).toEqual([{ user_id: "usr_imported", role: "owner" }]);
      expect(users).toEqual([{ email: "imported@example.com", password_hash: "" }]);
      const blob = wrangler("r2", "object", "get", `tutti-blobs/t/${TENANT}/dbt-manifest/${BLOB_SHA}`, "--pipe");
      expect(blob).toBe('{"nodes":{}}');

      const again = importCommand();
      expect(again.status, again.stderr).toBe(0);
      expect(again.stdout).toContain("Already imported");
    },
    LIMIT_MS,
  );

  it(
    "tenant:move moves the imported workspace to the other shard; run again, it has nothing to do",
    () => {
      // The import placed the workspace on a shard (wrangler.toml's TENANT_SHARDS); it moves to the other one.
      const [[{ shard: from }]] = query(`SELECT shard FROM tenants WHERE id = '${TENANT}'`) as Array<Array<{ shard: string }>>;
      const to = from === "SHARD_1" ? "SHARD_2" : "SHARD_1";
      const move = () =>
        spawnSync(process.execPath, [binOf("tsx"), "scripts/tenant-move.ts", "--local", "--persist-to", persistTo, "--tenant", TENANT, "--to", to], {
          cwd: repoRoot,
          encoding: "utf8",
          env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
        });
      // It waits out every Worker isolate's cached tenant → shard answer (SHARD_CACHE_MS and a margin, ~45 s) before
      // removing the old shard's rows: an operator's move is what is tested, so the wait is not shortened.
      const first = move();
      expect(first.status, first.stderr).toBe(0);
      expect(first.stdout).toContain(`Moved tenant ${TENANT} from ${from} to ${to}.`);
      const [tenants, audit] = query(`SELECT shard FROM tenants WHERE id = '${TENANT}'`, `SELECT status FROM tenant_moves WHERE tenant_id = '${TENANT}'`);
      expect(tenants).toEqual([{ shard: to }]);
      expect(audit).toEqual([{ status: "done" }]);
      const [teamsThere, movedAudit] = queryOn(
        to,
        `SELECT id FROM teams WHERE tenant_id = '${TENANT}'`,
        `SELECT action FROM audit_log WHERE tenant_id = '${TENANT}' AND action = 'workspace.moved'`,
      );
      expect(teamsThere).toEqual([{ id: "team_1" }]);
      expect(movedAudit).toEqual([{ action: "workspace.moved" }]);
      const [teamsLeft] = queryOn(from, `SELECT id FROM teams WHERE tenant_id = '${TENANT}'`);
      expect(teamsLeft).toEqual([]);

      const again = move();
      expect(again.status, again.stderr).toBe(0);
      expect(again.stdout).toContain(`is on ${to} already, with no move under way: nothing to do`);
    },
    LIMIT_MS,
  );

  it(
    "refuses a damaged archive, naming the problem, and exits non-zero",
    () => {
      const cut = join(dir, "cut.tar");
      writeFileSync(cut, archive().subarray(0, 1500));
      const res = importCommand(cut);
      expect(res.status).toBe(1);
      expect(res.stderr).toContain("the archive is truncated");
    },
    LIMIT_MS,
  );
});
