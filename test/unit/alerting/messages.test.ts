import { describe, expect, it } from "vitest";
import { emailMessage } from "../../../worker/alerting/email-message";
import { escapeMrkdwn, slackMessage } from "../../../worker/alerting/slack-message";
import { MAX_WEBHOOK_BYTES, WebhookPayload, webhookPayload } from "../../../worker/alerting/webhook-payload";
import { snapshot, teamB } from "./fixtures";

const APP = "https://tutti.example.com/";

describe("Slack Block Kit", () => {
  it("has a header, the summary, the facts, the downstream impact and buttons into the dashboard", () => {
    const m = slackMessage(snapshot(), APP);
    expect(m.blocks[0]).toEqual({ type: "header", text: { type: "plain_text", text: "🔴 ingest_crm failed", emoji: true } });
    const text = JSON.stringify(m.blocks);
    expect(text).toContain("task load failed on attempt 1");
    expect(text).toContain("*Downstream impact*");
    expect(text).toContain("finance_revenue will miss its 08:00 Europe/London SLA because ingest_crm's task load failed (Finance data)");
    const actions = m.blocks.find((b) => b.type === "actions") as { elements: Array<{ url: string }> };
    expect(actions.elements.map((e) => e.url)).toEqual(["https://tutti.example.com/alerts/alr_1", "https://tutti.example.com/runs/run_1"]);
    expect(m.text).toContain("https://tutti.example.com/alerts/alr_1");
  });

  it("tells a downstream team first what the failure means for its product", () => {
    const m = slackMessage(snapshot({ recipient: { team: teamB, role: "downstream" } }), APP);
    expect(m.blocks[1]).toEqual({
      type: "section",
      text: { type: "mrkdwn", text: "*finance_revenue will miss its 08:00 Europe/London SLA because ingest_crm's task load failed*" },
    });
  });

  it("says resolved with the resolution, and leaves links out without APP_URL", () => {
    const m = slackMessage(snapshot({ transition: "resolved" }, { status: "resolved", resolution: "Run run_2 of ingest_crm succeeded." }), undefined);
    expect(m.blocks[0]).toMatchObject({ text: { text: "✅ Resolved: ingest_crm failed" } });
    expect(JSON.stringify(m.blocks)).toContain("Run run_2 of ingest_crm succeeded.");
    expect(m.blocks.some((b) => b.type === "actions")).toBe(false);
  });

  it("escapes mrkdwn control characters and stays within Slack's limits for huge texts", () => {
    expect(escapeMrkdwn("a <b> & c")).toBe("a &lt;b&gt; &amp; c");
    const huge = "x".repeat(50_000);
    const m = slackMessage(snapshot({}, { title: huge, summary: huge }), APP);
    const header = m.blocks[0] as { text: { text: string } };
    expect(header.text.text.length).toBeLessThanOrEqual(150);
    const texts = m.blocks.flatMap((b) => (b as { text?: { text: string } }).text?.text ?? []);
    expect(texts.length).toBeGreaterThan(1);
    expect(texts.filter((t) => t.length > 3000)).toEqual([]);
    expect(JSON.stringify(m).length).toBeLessThan(12_000);
    expect(m.blocks.length).toBeLessThanOrEqual(50);
  });
});

describe("webhook payload", () => {
  it("follows the documented schema, with links and the recipient", () => {
    const body = JSON.parse(webhookPayload(snapshot(), "dlv_1", APP));
    expect(WebhookPayload.parse(body)).toEqual(body);
    expect(body).toMatchObject({
      type: "alert.opened",
      timestamp: "2026-11-25T06:30:00.000Z",
      data: {
        delivery_id: "dlv_1",
        alert: {
          id: "alr_1",
          url: "https://tutti.example.com/alerts/alr_1",
          kind: "run_failed",
          run: { id: "run_1", url: "https://tutti.example.com/runs/run_1" },
        },
        recipient: { team: { slug: "platform" }, role: "owner" },
      },
    });
    expect(body.data.alert.impacted_products[0]).toEqual({
      name: "finance_revenue",
      owner_team: teamB,
      impact: expect.stringContaining("will miss its 08:00"),
    });
  });

  it("drops details rather than exceed 20 KB", () => {
    const body = webhookPayload(snapshot({}, { details: { log: "y".repeat(40_000) } }), "dlv_1", APP);
    expect(body.length).toBeLessThanOrEqual(MAX_WEBHOOK_BYTES);
    expect(JSON.parse(body).data.alert.details).toEqual({ truncated: true });
  });
});

describe("e-mail", () => {
  it("has a one-line subject, the impact for the recipient's product first, and links", () => {
    const m = emailMessage(snapshot({ recipient: { team: teamB, role: "downstream" } }, { title: "ingest_crm\nfailed" }), APP);
    expect(m.subject).toBe("[Tutti alert] ingest_crm failed");
    expect(m.text.split("\n")[2]).toBe("Your product: finance_revenue will miss its 08:00 Europe/London SLA because ingest_crm's task load failed");
    expect(m.text).toContain("Alert: https://tutti.example.com/alerts/alr_1");
    expect(m.html).toContain('<a href="https://tutti.example.com/alerts/alr_1">');
  });

  it("escapes HTML in everything that came from outside", () => {
    const m = emailMessage(snapshot({}, { summary: "<script>alert(1)</script>" }), APP);
    expect(m.html).not.toContain("<script>");
    expect(m.html).toContain("&lt;script&gt;");
  });

  it("announces a resolution", () => {
    const m = emailMessage(snapshot({ transition: "resolved" }, { resolution: "Run run_2 succeeded." }), undefined);
    expect(m.subject).toBe("[Tutti resolved] ingest_crm failed");
    expect(m.text).toContain("Run run_2 succeeded.");
    expect(m.text).not.toContain("Alert: ");
  });
});
