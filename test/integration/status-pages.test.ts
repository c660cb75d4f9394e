import { describe, expect, it } from "vitest";
import { api, BASE, expectError, mailTo, signup, type Session } from "../helpers/api";
import { sendNotify, slackChannel, slackHook, slackPosts } from "../helpers/alerting";
import { deadLetter } from "../helpers/dead-letters";
import { addMember, createTeam, firstTeamId } from "../helpers/fixtures";
import { tenantD1 } from "../helpers/tenant-db";
import { drain, eventually } from "../helpers/wait";

/**
 * Status pages (docs/status-pages.md): a product's owners share a link that shows the product's status without an
 * account, and consumers subscribe to its incidents. The public routes are called without any credential.
 */

let n = 0;
const unique = (prefix: string) => `${prefix}_${Date.now().toString(36)}${(n++).toString(36)}`;

async function product(s: Session, teamId: string, extra: Record<string, unknown> = {}) {
  const res = await api("/products", { as: s, body: { name: unique("prod"), title: "Revenue dashboard", owner_team_id: teamId, ...extra } });
  expect(res.status, res.text).toBe(201);
  return res.json as { id: string; name: string; title: string };
}

async function share(s: Session, productId: string) {
  const res = await api(`/products/${productId}/shares`, { as: s, body: { label: "Finance stakeholders" } });
  expect(res.status, res.text).toBe(201);
  return res.json as { share: { id: string }; url: string; token: string };
}

/** A budget crossing of a product, as budgets send it: an alert about the product itself. */
function productBudgetSignal(s: Session, p: { id: string; name: string }, teamId: string, period: string) {
  return {
    type: "budget.threshold_crossed" as const,
    tenantId: s.tenant.id,
    budgetId: `bgt_${p.id}`,
    scope: "product" as const,
    scopeId: p.id,
    scopeName: p.name,
    ownerTeamId: teamId,
    threshold: 100 as const,
    period,
    amount: 1200,
    currency: "USD",
    limit: 1000,
    at: Date.now(),
  };
}

async function openProductAlert(s: Session, p: { id: string; name: string }, teamId: string, period = "2026-11") {
  await sendNotify(productBudgetSignal(s, p, teamId, period));
  await drain();
  const alerts = (await api("/alerts?kind=budget_threshold", { as: s })).json.items as Array<{ id: string; subject: { id: string } }>;
  const alert = alerts.find((a) => a.subject.id === p.id);
  expect(alert, "the product's alert").toBeDefined();
  return alert!;
}

const publicPage = (token: string) => api(`/status/${token}`);

/** The token of the newest mailed link to `to` under `path` (`/status/confirm/`, `/status/unsubscribe/`). */
async function mailedToken(to: string, path: string): Promise<string> {
  for (const mail of await mailTo(to)) {
    const token = new RegExp(`${BASE}${path}([A-Za-z0-9_.]+)`).exec(mail.text)?.[1];
    if (token) return token;
  }
  throw new Error(`no mail to ${to} with a ${path} link`);
}

const subjects = async (to: string) => (await mailTo(to)).map((m) => m.subject);

describe("status pages: share links", () => {
  it("a link is shown once, shows only its product to anyone without an account, and stops working the moment it is revoked", async () => {
    const s = await signup();
    const teamId = await firstTeamId(s);
    const mine = await product(s, teamId, { description: "Daily revenue for the board", sla: { freshness: { cron: "0 8 * * *", timezone: "UTC" } } });
    const other = await product(s, teamId);
    const created = await share(s, mine.id);
    expect(created.token.length).toBeGreaterThanOrEqual(32);
    expect(created.url).toBe(`${BASE}/status/${created.token}`);

    // The list never repeats the token.
    const listed = await api(`/products/${mine.id}/shares`, { as: s });
    expect(listed.json.items).toEqual([expect.objectContaining({ id: created.share.id, label: "Finance stakeholders", status: "active" })]);
    expect(listed.text).not.toContain(created.token);

    const mineAlert = await openProductAlert(s, mine, teamId, "2026-10");
    const otherAlert = await openProductAlert(s, other, teamId, "2026-09");
    expect((await api(`/alerts/${mineAlert.id}/notes`, { as: s, body: { text: "We are looking into the spend spike." } })).status).toBe(201);

    const page = await publicPage(created.token);
    expect(page.status, page.text).toBe(200);
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("x-robots-tag")).toContain("noindex");
    expect(Object.keys(page.json).sort()).toEqual(
      ["product", "health", "sla", "freshness", "sla_attainment", "open_incidents", "recent_incidents", "history", "generated_at"].sort(),
    );
    expect(page.json.product).toEqual({
      name: mine.name,
      title: "Revenue dashboard",
      description: "Daily revenue for the board",
      owner_team: expect.any(String),
      tier: expect.any(String),
    });
    // Health is the scorecard's, the same the product list shows.
    const card = (await api(`/products/${mine.id}/scorecard`, { as: s })).json.scorecard;
    expect(page.json.health.status).toBe(card.health.status);
    expect(page.json.health).toMatchObject({ status: "failed", label: "1 open alert" });
    expect(page.json.sla).toMatchObject({ cron: "0 8 * * *", timezone: "UTC", max_age_minutes: 1440 });
    expect(page.json.freshness.state).toBe("late");
    expect(page.json.open_incidents).toEqual([
      expect.objectContaining({
        id: mineAlert.id,
        severity: "critical",
        status: "open",
        notes: [{ at: expect.any(String), text: "We are looking into the spend spike." }],
      }),
    ]);
    expect(page.json.history).toHaveLength(30);
    expect(page.json.history.at(-1).incidents).toBe(1);
    // The product never had data, so every 08:00 deadline of the last 30 days was missed, and each shows on its day:
    // the bars agree with the attainment beside them.
    const generatedAt = Date.parse(page.json.generated_at);
    const missedByDay = page.json.history.map((d: { day: string; missed_deadlines: number }) => {
      const deadline = Date.parse(`${d.day}T08:00:00Z`);
      return [d.day, d.missed_deadlines, deadline <= generatedAt ? 1 : 0];
    });
    for (const [day, missed, expected] of missedByDay) expect(missed, day).toBe(expected);
    expect(page.json.sla_attainment).toMatchObject({ met: 0 });
    // Nothing of the other product, of costs, or of the people involved.
    expect(page.text).not.toContain(other.name);
    expect(page.text).not.toContain(otherAlert.id);
    expect(page.text).not.toContain(s.user.email);
    expect(page.text).not.toMatch(/cost|value_ratio|1,200|spent/i);

    const revoked = await api(`/products/${mine.id}/shares/${created.share.id}`, { as: s, method: "DELETE" });
    expect(revoked.json).toMatchObject({ status: "revoked" });
    const gone = await publicPage(created.token);
    expectError(gone, 404, "not_found");
    expect(gone.headers.get("cache-control")).toBe("no-store");
    expectError(await publicPage("x".repeat(32)), 404, "not_found");

    const audit = await api(`/audit-log?target_id=${mine.id}`, { as: s });
    expect(audit.json.items.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(["product.share_created", "product.share_revoked"]));
  });

  it("only the owner team and admins manage links; another tenant gets 404 and cannot revoke", async () => {
    const s = await signup();
    const teamId = await firstTeamId(s);
    const p = await product(s, teamId);
    const created = await share(s, p.id);
    const otherTeam = await createTeam(s, "Marketing");
    const outsider = await addMember(s, "member", { teamId: otherTeam.id });
    const viewer = await addMember(s, "viewer");
    const intruder = await signup();

    expectError(await api(`/products/${p.id}/shares`, { as: outsider, body: { label: "x" } }), 403, "forbidden");
    expectError(await api(`/products/${p.id}/shares/${created.share.id}`, { as: outsider, method: "DELETE" }), 403, "forbidden");
    expectError(await api(`/products/${p.id}/shares`, { as: viewer }), 403, "forbidden");
    expectError(await api(`/products/${p.id}/shares/${created.share.id}`, { as: intruder, method: "DELETE" }), 404, "not_found");
    expectError(await api(`/products/${p.id}/shares`, { as: intruder }), 404, "not_found");
    expect((await publicPage(created.token)).status).toBe(200);
  });
});

describe("status pages: limits", () => {
  it("one client address is limited like the other public routes (429 with Retry-After), another address is not", async () => {
    // RATE_LIMIT_STATUS_PER_MIN's default; a fixed window, so the refusal comes within two windows' worth of requests.
    const LIMIT = 120;
    const ip = `198.51.100.${1 + (Date.now() % 200)}`;
    const probe = (address: string) => api(`/status/${"x".repeat(32)}`, { headers: { "cf-connecting-ip": address } });
    let refused: Awaited<ReturnType<typeof probe>> | null = null;
    let sent = 0;
    while (!refused && sent < 2 * LIMIT + 1) {
      const res = await probe(ip);
      sent++;
      if (res.status === 429) refused = res;
      else expectError(res, 404, "not_found");
    }
    expect(refused, "no 429 within two windows").not.toBeNull();
    expect(sent).toBeGreaterThan(LIMIT);
    expectError(refused!, 429, "rate_limited");
    expect(Number(refused!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused!.headers.get("cache-control")).toBe("no-store");
    expectError(await probe("203.0.113.7"), 404, "not_found");
  });
});

describe("status pages: subscriptions", () => {
  it("a confirmed subscriber gets the incident, its notes and no more after unsubscribing; an unconfirmed one gets nothing", async () => {
    const s = await signup();
    const teamId = await firstTeamId(s);
    const p = await product(s, teamId);
    const { token } = await share(s, p.id);
    const alice = `alice-${unique("a")}@example.com`;
    const bob = `bob-${unique("b")}@example.com`;

    for (const email of [alice, bob, alice]) {
      const res = await api(`/status/${token}/subscribe`, { body: { email } });
      expect(res.status, res.text).toBe(202);
    }
    expect((await api(`/status/${token}/subscribe`, { body: { email: "not-an-address" } })).json.error.details[0].path).toBe("email");
    const confirmToken = await mailedToken(alice, "/status/confirm/");
    // A confirmation link does not unsubscribe, and a forged one confirms nothing.
    expectError(await api("/status/unsubscribe", { body: { token: confirmToken } }), 404, "not_found");
    expectError(await api("/status/confirm", { body: { token: `${confirmToken.split(".")[0]}.${"0".repeat(64)}` } }), 404, "not_found");
    const confirmed = await api("/status/confirm", { body: { token: confirmToken } });
    expect(confirmed.json).toEqual({ product: { title: "Revenue dashboard" }, status: "confirmed" });
    expect((await api("/status/confirm", { body: { token: confirmToken } })).status).toBe(200);

    const subs = await api(`/products/${p.id}/subscriptions`, { as: s });
    expect(subs.json.items.map((x: { email: string; status: string }) => [x.email, x.status]).sort()).toEqual([
      [alice, "confirmed"],
      [bob, "pending"],
    ]);

    const alert = await openProductAlert(s, p, teamId);
    expect((await api(`/alerts/${alert.id}/notes`, { as: s, body: { text: "Finance approved the overspend." } })).status).toBe(201);
    // The same crossing again (a replayed signal) is the same incident: no second mail.
    await sendNotify(productBudgetSignal(s, p, teamId, "2026-11"));
    await drain();

    const toAlice = await mailTo(alice);
    const incident = toAlice.filter((m) => m.subject.startsWith("[Revenue dashboard] Incident:"));
    const update = toAlice.filter((m) => m.subject.startsWith("[Revenue dashboard] Update:"));
    expect(incident).toHaveLength(1);
    expect(update).toHaveLength(1);
    expect(update[0].text).toContain("Finance approved the overspend.");
    for (const mail of [...incident, ...update]) {
      expect(mail.text).toMatch(new RegExp(`${BASE}/status/unsubscribe/sub_`));
      expect(mail.html).toContain("Unsubscribe");
    }
    // Bob never confirmed: only his two confirmation mails.
    expect((await subjects(bob)).every((subject) => subject.startsWith("Confirm your subscription"))).toBe(true);

    const unsubscribeToken = await mailedToken(alice, "/status/unsubscribe/");
    expect((await api("/status/unsubscribe", { body: { token: unsubscribeToken } })).json).toMatchObject({ status: "unsubscribed" });
    expectError(await api("/status/unsubscribe", { body: { token: unsubscribeToken } }), 404, "not_found");
    expect((await api(`/alerts/${alert.id}/resolve`, { as: s, method: "POST", body: { reason: "Budget raised." } })).status).toBe(200);
    await drain();
    expect((await subjects(alice)).filter((subject) => subject.includes("Resolved"))).toEqual([]);
    const audit = await api(`/audit-log?target_id=${p.id}`, { as: s });
    expect(audit.json.items.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(["product.subscription_confirmed", "product.subscription_removed"]),
    );
  });

  it("a dead mail to a subscriber is shown as going to that subscriber and can be sent again; once they unsubscribe it cannot", async () => {
    const s = await signup();
    const teamId = await firstTeamId(s);
    const p = await product(s, teamId);
    const { token } = await share(s, p.id);
    const carol = `carol-${unique("c")}@example.com`;
    expect((await api(`/status/${token}/subscribe`, { body: { email: carol } })).status).toBe(202);
    expect((await api("/status/confirm", { body: { token: await mailedToken(carol, "/status/confirm/") } })).status).toBe(200);
    const subscription = (await api(`/products/${p.id}/subscriptions`, { as: s })).json.items[0] as { id: string };
    await openProductAlert(s, p, teamId);
    const d1 = await tenantD1(s.tenant.id);
    const [delivery] = (
      await d1.prepare("SELECT id FROM alert_deliveries WHERE tenant_id = ? AND channel_id = ?").bind(s.tenant.id, subscription.id).all<{ id: string }>()
    ).results;
    expect(delivery, "the subscriber's delivery").toBeDefined();
    // The mailer kept refusing it: the notify queue gave up and its dead-letter queue files it.
    const died = async (id: string) => {
      await d1.prepare("UPDATE alert_deliveries SET status = 'retrying' WHERE tenant_id = ? AND id = ?").bind(s.tenant.id, delivery.id).run();
      await deadLetter("tutti-notify-dlq", [{ id, body: { type: "alert.deliver", tenantId: s.tenant.id, deliveryId: delivery.id } }]);
      // Newest first.
      return (await api("/dead-letters?queue=notify", { as: s })).json.items[0] as { id: string; description: string; redeliverable: boolean };
    };

    const dead = await died("dlq-subscriber-1");
    expect(dead.description).toContain(`to the e-mail subscriber ${carol} of "${p.name}"'s status page`);
    expect(dead.description).not.toContain("deleted channel");
    expect(dead.redeliverable).toBe(true);
    const before = (await subjects(carol)).filter((x) => x.includes("Incident:")).length;
    expect((await api(`/dead-letters/${dead.id}/redeliver`, { as: s, method: "POST" })).status).toBe(200);
    await drain();
    expect((await subjects(carol)).filter((x) => x.includes("Incident:"))).toHaveLength(before + 1);

    expect((await api("/status/unsubscribe", { body: { token: await mailedToken(carol, "/status/unsubscribe/") } })).status).toBe(200);
    const again = await died("dlq-subscriber-2");
    expect(again.description).toContain("an e-mail subscriber who has since unsubscribed");
    expect(again.redeliverable).toBe(false);
    expectError(await api(`/dead-letters/${again.id}/redeliver`, { as: s, method: "POST" }), 409, "conflict");
  });

  it("an owners' Slack channel added to the product hears its incident open, the note and the resolution", async () => {
    const s = await signup();
    const teamId = await firstTeamId(s);
    const p = await product(s, teamId);
    const hook = slackHook();
    const channel = await slackChannel(s, teamId, hook.url);
    const otherTeam = await createTeam(s, "Marketing");
    const foreign = await slackChannel(s, otherTeam.id, slackHook().url);

    expect((await api(`/products/${p.id}/subscriptions`, { as: s, body: { channel_id: foreign.id } })).json.error.details[0].path).toBe("channel_id");
    const added = await api(`/products/${p.id}/subscriptions`, { as: s, body: { channel_id: channel.id } });
    expect(added.status, added.text).toBe(201);
    expectError(await api(`/products/${p.id}/subscriptions`, { as: s, body: { channel_id: channel.id } }), 409, "conflict");

    const alert = await openProductAlert(s, p, teamId);
    await api(`/alerts/${alert.id}/notes`, { as: s, body: { text: "Root cause found; fix deploying." } });
    await api(`/alerts/${alert.id}/resolve`, { as: s, method: "POST", body: { reason: "Fixed." } });
    await drain();
    const posts = await eventually(async () => {
      const all = await slackPosts(hook.path);
      expect(all).toHaveLength(3);
      return all;
    });
    const headers = posts.map((x) => x.body.blocks[0].text.text as string);
    expect(headers[0]).toMatch(/^🔴 .* reached 100% of its 2026-11 budget$/);
    expect(headers.slice(1).sort()).toEqual([`✅ Resolved: ${headers[0].slice(3)}`, `📝 Update: ${headers[0].slice(3)}`].sort());
    expect(JSON.stringify(posts.find((x) => x.body.blocks[0].text.text.startsWith("📝"))!.body)).toContain("Root cause found; fix deploying.");
  });
});
