import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDb, type Db } from "../../worker/db/client";
import { loadKeyRing } from "../../worker/lib/envelope";
import { newId } from "../../worker/lib/ids";
import { UNKNOWN_TTL_MS, webhookConnection } from "../../worker/lib/connection-cache";
import { expectError } from "../helpers/api";
import { createConnection, deliverWebhook, fakeUrl } from "../helpers/tool-fakes";
import { setupTenant } from "../helpers/pipelines";
import { tenantD1 } from "../helpers/tenant-db";
import { fakeCredentials } from "../fakes/credentials";

/** The control database as the cache sees it, counting the reads it makes there. */
function countingDb() {
  const counter = { reads: 0 };
  const db = new Proxy(createDb(env.DB), {
    get(target, prop, receiver) {
      if (prop === "select") counter.reads++;
      return Reflect.get(target, prop, receiver);
    },
  }) as Db;
  return { db, counter };
}

const ring = () => loadKeyRing(env.TUTTI_MASTER_KEY);

describe("webhook deliveries to unknown connection ids", () => {
  it("a flood of deliveries to ids that do not exist reads each id from D1 once, and malformed ids never", async () => {
    const { db, counter } = countingDb();
    const ids = Array.from({ length: 5 }, () => newId("connection"));
    const now = 1_000_000;
    for (let round = 0; round < 20; round++) {
      for (const id of ids) expect(await webhookConnection(env, db, ring, id, "webhook_secret", now + round)).toBeNull();
    }
    expect(counter.reads).toBe(ids.length);
    for (const id of ["conn_short", "../../x", "conn_ABCDEFGHIJKLMNOPQRST", "usr_0123456789abcdefghij"]) {
      expect(await webhookConnection(env, db, ring, id, "webhook_secret", now)).toBeNull();
    }
    expect(counter.reads).toBe(ids.length);
  });

  it("an unknown id is looked up again once its negative entry expired", async () => {
    const { s, team } = await setupTenant();
    const conn = await createConnection(
      s,
      team.id,
      "dbt_cloud",
      "dbt",
      { base_url: fakeUrl("dbt_cloud"), account_id: fakeCredentials.dbt_cloud.accountId },
      { api_token: "t", webhook_secret: "w" },
    );
    const hidden = newId("connection");
    const d1 = await tenantD1(s.tenant.id);
    // The row under another id for a moment: the cache learns that conn.id does not exist.
    await d1.prepare("UPDATE connections SET id = ? WHERE id = ?").bind(hidden, conn.id).run();
    const { db, counter } = countingDb();
    const now = 2_000_000;
    expect(await webhookConnection(env, db, ring, conn.id, "webhook_secret", now)).toBeNull();
    await d1.prepare("UPDATE connections SET id = ? WHERE id = ?").bind(conn.id, hidden).run();
    expect(await webhookConnection(env, db, ring, conn.id, "webhook_secret", now + UNKNOWN_TTL_MS - 1)).toBeNull();
    expect(counter.reads).toBe(1);
    expect((await webhookConnection(env, db, ring, conn.id, "webhook_secret", now + UNKNOWN_TTL_MS))?.secret).toBe("w");
    expect(counter.reads).toBe(2);
  });

  it("the receiver answers 404 for unknown and malformed ids alike", async () => {
    for (const id of [newId("connection"), "not-an-id"]) {
      expectError(await deliverWebhook("dbt_cloud", id, { headers: { authorization: "x" }, body: "{}" }), 404, "not_found");
    }
  });
});
