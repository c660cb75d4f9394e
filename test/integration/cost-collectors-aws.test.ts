import { describe, expect, it } from "vitest";
import { api, type Session } from "../helpers/api";
import { awsConfig, awsKey, registerCostExplorer, type CostDay } from "../helpers/aws";
import { alarmAt, collectors, enable, ledger, total } from "../helpers/collectors";
import { product } from "../helpers/costs";
import { setEngineTime } from "../helpers/engine";
import { setupTenant } from "../helpers/pipelines";
import { createConnection, fakeRequests } from "../helpers/tool-fakes";

const HOUR = 3_600_000;
/** Business time of the first pass; every figure is placed on days relative to it (no dependence on today's date). */
const T = Date.parse("2026-03-04T12:00:00.000Z");
const TAG = "data-product";
const ACCT = "111122223333";
const OTHER_ACCT = "444455556666";

/** A record's split over products, by product id (amounts in currency units). */
async function allocations(s: Session, externalRef: string) {
  const res = await api("/costs?source=aws&limit=200", { as: s });
  expect(res.status).toBe(200);
  const record = (
    res.json.items as Array<{ external_ref: string; attributed_by: string; allocations: Array<{ product_id: string | null; amount: number }> }>
  ).find((r) => r.external_ref === externalRef);
  return { by: record?.attributed_by, to: record?.allocations.map((a) => [a.product_id, a.amount]) };
}

describe("AWS Cost Explorer collector", () => {
  it("records each day's spend per tag value and account on the product the tag names, untagged spend unattributed, and replaces revised days without doubling", async () => {
    const { s, team } = await setupTenant();
    const orders = await product(s, { name: "orders", owner_team_id: team.id });
    const growth = await product(s, { name: "growth", owner_team_id: team.id });
    const key = awsKey(true);
    const days = (revised: boolean): CostDay[] => [
      // Before the lookback: never asked for.
      { day: "2026-02-27", lines: [{ tag: "orders", account: ACCT, UnblendedCost: "99" }] },
      {
        day: "2026-03-01",
        lines: [
          { tag: "orders", account: ACCT, UnblendedCost: "3.4213" },
          { tag: "orders", account: OTHER_ACCT, UnblendedCost: "1.00" },
          { tag: "growth", account: ACCT, UnblendedCost: "2.5" },
          { tag: null, account: ACCT, UnblendedCost: "120.07" },
        ],
      },
      // A late credit lowers a day that was final already.
      { day: "2026-03-02", lines: [{ tag: "orders", account: ACCT, UnblendedCost: revised ? "3.90" : "4.00" }] },
      {
        day: "2026-03-03",
        estimated: !revised,
        lines: [
          { tag: "orders", account: ACCT, UnblendedCost: revised ? "5.35" : "5.10" },
          { tag: null, account: ACCT, UnblendedCost: revised ? "9.80" : "10.00" },
          // A tag value no product is called: recorded, attributed to nothing.
          { tag: "ghost", account: ACCT, UnblendedCost: "0.75" },
        ],
      },
      ...(revised ? [{ day: "2026-03-04", estimated: true, lines: [{ tag: "growth", account: ACCT, UnblendedCost: "1.25" }] }] : []),
    ];
    await registerCostExplorer(key, TAG, days(false));
    const conn = await createConnection(s, team.id, "aws", "aws-billing", awsConfig(), key);

    await setEngineTime(s.tenant.id, T - 65_000);
    await enable(s, conn.id, { tag_key: TAG, lookback_days: 3, interval_minutes: 360 });
    await alarmAt(s.tenant.id, T);

    const ref = (day: string, account: string, value: string) => `ce:${day}:${account}:${TAG}$${value}`;
    let records = await ledger(s.tenant.id, "aws");
    expect(records.map((r) => [r.external_ref, r.amount_micros])).toEqual([
      [ref("2026-03-01", ACCT, ""), 120_070_000],
      [ref("2026-03-01", ACCT, "growth"), 2_500_000],
      [ref("2026-03-01", ACCT, "orders"), 3_421_300],
      [ref("2026-03-01", OTHER_ACCT, "orders"), 1_000_000],
      [ref("2026-03-02", ACCT, "orders"), 4_000_000],
      [ref("2026-03-03", ACCT, ""), 10_000_000],
      [ref("2026-03-03", ACCT, "ghost"), 750_000],
      [ref("2026-03-03", ACCT, "orders"), 5_100_000],
    ]);
    expect(total(records)).toBe(146_841_300);
    expect(records.every((r) => r.team_id === team.id && r.unit === null)).toBe(true);
    let [state] = await collectors(s);
    expect(state.last_run).toMatchObject({ rows_read: 8, inserted: 8, updated: 0, error: null });

    // Tag values land on their products; untagged spend and a value naming no product stay unattributed.
    expect(await allocations(s, ref("2026-03-01", ACCT, "orders"))).toEqual({ by: "explicit", to: [[orders.id, 3.4213]] });
    expect(await allocations(s, ref("2026-03-01", ACCT, "growth"))).toEqual({ by: "explicit", to: [[growth.id, 2.5]] });
    expect((await allocations(s, ref("2026-03-01", ACCT, ""))).by).toBe("none");
    expect((await allocations(s, ref("2026-03-03", ACCT, "ghost"))).by).toBe("none");

    // The requests: one window of whole days (end exclusive, the pass's own day included), grouped by the tag and the
    // linked account, followed page by page (two groups a page) with the identical request and the page token.
    const calls = (await fakeRequests("aws_ce")).filter((r) => String(r.headers.authorization ?? "").includes(key.access_key_id));
    const bodies = calls.map((r) => JSON.parse(r.body));
    expect(bodies.length).toBe(5);
    const { NextPageToken: _first, ...request } = bodies[0];
    expect(request).toEqual({
      TimePeriod: { Start: "2026-03-01", End: "2026-03-05" },
      Granularity: "DAILY",
      Metrics: ["UnblendedCost"],
      GroupBy: [
        { Type: "TAG", Key: TAG },
        { Type: "DIMENSION", Key: "LINKED_ACCOUNT" },
      ],
    });
    expect(bodies.map((b) => b.NextPageToken === undefined)).toEqual([true, false, false, false, false]);
    for (const b of bodies) expect({ ...b, NextPageToken: undefined }).toEqual({ ...request, NextPageToken: undefined });
    for (const call of calls) {
      expect(call.headers["x-amz-target"]).toBe("AWSInsightsIndexService.GetCostAndUsage");
      expect(call.headers["content-type"]).toBe("application/x-amz-json-1.1");
      expect(call.headers["x-amz-security-token"]).toBe(key.session_token);
      expect(call.headers.authorization).toMatch(
        new RegExp(
          `^AWS4-HMAC-SHA256 Credential=${key.access_key_id}/\\d{8}/us-east-1/ce/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=[0-9a-f]{64}$`,
        ),
      );
    }

    // Cost Explorer revises: the estimated day becomes final, a credit lowers a final day, today gets figures.
    await registerCostExplorer(key, TAG, days(true));
    await alarmAt(s.tenant.id, T + 6 * HOUR + 60_000);
    records = await ledger(s.tenant.id, "aws");
    const amounts = Object.fromEntries(records.map((r) => [r.external_ref, r.amount_micros]));
    expect(records.length).toBe(9);
    expect(amounts[ref("2026-03-02", ACCT, "orders")]).toBe(3_900_000);
    expect(amounts[ref("2026-03-03", ACCT, "orders")]).toBe(5_350_000);
    expect(amounts[ref("2026-03-03", ACCT, "")]).toBe(9_800_000);
    expect(amounts[ref("2026-03-04", ACCT, "growth")]).toBe(1_250_000);
    // 146.8413 − 0.10 (credit) + 0.25 − 0.20 (final figures) + 1.25 (the new day), each counted once.
    expect(total(records)).toBe(148_041_300);
    [state] = await collectors(s);
    // Updated: the credit, the two final figures and the ghost value, whose record no longer says "estimated".
    expect(state.last_run).toMatchObject({ rows_read: 9, inserted: 1, updated: 4, unchanged: 4, error: null });
    expect(await allocations(s, ref("2026-03-03", ACCT, "orders"))).toEqual({ by: "explicit", to: [[orders.id, 5.35]] });

    // Read again with nothing new: every record read is unchanged, none added. (The window now starts at the 2nd:
    // the three-day lookback also bounds how far back a pass re-reads.)
    await alarmAt(s.tenant.id, T + 12 * HOUR + 120_000);
    [state] = await collectors(s);
    expect(state.last_run).toMatchObject({ rows_read: 5, inserted: 0, updated: 0, unchanged: 5, error: null });
    expect(total(await ledger(s.tenant.id, "aws"))).toBe(148_041_300);
  });

  it("a key whose secret does not match is refused by the signature check: the pass records AWS's error without the secret and writes nothing", async () => {
    const { s, team } = await setupTenant();
    const key = awsKey();
    await registerCostExplorer(key, TAG, [{ day: "2026-03-03", lines: [{ tag: "orders", account: ACCT, UnblendedCost: "5" }] }]);
    const wrong = { ...key, secret_access_key: `${key.secret_access_key}-rotated` };
    const conn = await createConnection(s, team.id, "aws", "aws-billing", awsConfig(), wrong);
    await setEngineTime(s.tenant.id, T - 65_000);
    await enable(s, conn.id, { tag_key: TAG, lookback_days: 1 });
    await alarmAt(s.tenant.id, T);
    const [state] = await collectors(s);
    expect(state.last_run?.error).toContain("InvalidSignatureException: The request signature we calculated does not match");
    expect(state.last_run?.error).not.toContain(wrong.secret_access_key);
    expect(await ledger(s.tenant.id, "aws")).toEqual([]);
    // The watermark did not move: the next pass reads the same window again.
    expect(state.watermarks).toEqual({});
  });

  it("spend billed in another currency than the workspace's stops the pass with an error instead of being converted", async () => {
    const { s, team } = await setupTenant();
    const key = awsKey();
    await registerCostExplorer(key, TAG, [{ day: "2026-03-03", lines: [{ tag: "orders", account: ACCT, UnblendedCost: "5" }] }], "EUR");
    const conn = await createConnection(s, team.id, "aws", "aws-billing", awsConfig(), key);
    await setEngineTime(s.tenant.id, T - 65_000);
    await enable(s, conn.id, { tag_key: TAG, lookback_days: 1 });
    await alarmAt(s.tenant.id, T);
    const [state] = await collectors(s);
    expect(state.last_run?.error).toContain("another currency than the workspace's USD");
    expect(await ledger(s.tenant.id, "aws")).toEqual([]);
  });

  it("an AWS collector needs its tag key, and AWS settings are refused on other kinds of collector", async () => {
    const { s, team } = await setupTenant();
    const conn = await createConnection(s, team.id, "aws", "aws-billing", awsConfig(), awsKey());
    let res = await api(`/collectors/${conn.id}`, { as: s, method: "PUT", body: { enabled: true, settings: { lookback_days: 3 } } });
    expect(res.status).toBe(400);
    expect(res.json.error.details).toEqual([expect.objectContaining({ path: "settings.tag_key" })]);
    res = await api(`/collectors/${conn.id}`, { as: s, method: "PUT", body: { enabled: true, settings: { tag_key: "bad$key" } } });
    expect(res.status).toBe(400);
    expect(res.json.error.details[0].path).toBe("settings.tag_key");
    res = await api(`/collectors/${conn.id}`, { as: s, method: "PUT", body: { enabled: true, settings: { tag_key: TAG, warehouse_id: "abc" } } });
    expect(res.status).toBe(400);
    expect(res.json.error.details[0].path).toBe("settings.warehouse_id");
    // Listed beside the warehouses' collectors.
    const listed = await collectors(s);
    expect(listed.map((c) => [c.connection_id, (c as unknown as { kind: string }).kind])).toContainEqual([conn.id, "aws"]);
  });
});
