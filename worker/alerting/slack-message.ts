import { kindLabels } from "./kinds";
import { impactsFor, linksFor, type DeliverySnapshot } from "./snapshot";

/**
 * Slack Block Kit for one alert transition. Limits from Slack (CONTRACTS.md §9): section text ≤ 3000, header ≤ 150,
 * context ≤ 10 elements, ≤ 50 blocks, and `msg_blocks_too_long` well below 40k characters, so every text is cut
 * and the whole message is kept small.
 */

const SECTION_MAX = 3000;
const HEADER_MAX = 150;
const MESSAGE_BUDGET = 10_000;

const severityMark = { critical: "🔴", warning: "🟠", info: "🔵" } as const;

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Slack mrkdwn treats &, < and > as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

type Block = Record<string, unknown>;

const section = (text: string): Block => ({ type: "section", text: { type: "mrkdwn", text: truncate(text, SECTION_MAX) } });

function headline(s: DeliverySnapshot): string {
  const a = s.alert;
  switch (s.transition) {
    case "opened":
      return `${severityMark[a.severity]} ${a.title}`;
    case "escalated":
      return `${severityMark[a.severity]} Still unacknowledged: ${a.title}`;
    case "resolved":
      return `✅ Resolved: ${a.title}`;
    case "noted":
      return `📝 Update: ${a.title}`;
  }
}

export interface SlackMessage {
  text: string;
  blocks: Block[];
  unfurl_links: false;
  unfurl_media: false;
}

export function slackMessage(s: DeliverySnapshot, appUrl: string | undefined): SlackMessage {
  const a = s.alert;
  const links = linksFor(appUrl, s);
  const title = headline(s);
  const { mine, others } = impactsFor(s);
  const blocks: Block[] = [{ type: "header", text: { type: "plain_text", text: truncate(title, HEADER_MAX), emoji: true } }];

  if (s.recipient.role === "downstream" && mine.length) {
    // The downstream team hears about someone else's failure: lead with what it means for them.
    blocks.push(section(mine.map((i) => `*${escapeMrkdwn(i.statement)}*`).join("\n")));
  }
  if (s.transition === "resolved") {
    blocks.push(section(escapeMrkdwn(a.resolution ?? `Resolved${a.resolvedBy ? ` by ${a.resolvedBy}` : ""}.`)));
  } else if (s.transition === "noted" && s.note) {
    blocks.push(section(escapeMrkdwn(s.note.text)));
  } else {
    blocks.push(section(escapeMrkdwn(a.summary)));
  }

  const fields = [
    `*Kind*\n${kindLabels[a.kind]}`,
    `*Severity*\n${a.severity}`,
    `*Owner*\n${escapeMrkdwn(a.ownerTeam?.name ?? "no owner team")}`,
    `*Occurrences*\n${a.occurrences}`,
  ];
  blocks.push({ type: "section", fields: fields.map((text) => ({ type: "mrkdwn", text: truncate(text, 2000) })) });

  const otherImpacts = s.recipient.role === "downstream" ? others : [...mine, ...others];
  if (otherImpacts.length && s.transition !== "resolved") {
    const lines = otherImpacts.slice(0, 10).map((i) => `• ${escapeMrkdwn(i.statement)}${i.ownerTeam ? ` (${escapeMrkdwn(i.ownerTeam.name)})` : ""}`);
    if (otherImpacts.length > 10) lines.push(`…and ${otherImpacts.length - 10} more`);
    blocks.push(section(`*Downstream impact*\n${lines.join("\n")}`));
  }

  const buttons: Block[] = [];
  if (links.alert) buttons.push({ type: "button", text: { type: "plain_text", text: "Open alert" }, url: links.alert, action_id: "open_alert" });
  if (links.run) buttons.push({ type: "button", text: { type: "plain_text", text: "View run" }, url: links.run, action_id: "view_run" });
  if (buttons.length) blocks.push({ type: "actions", elements: buttons });

  const context = [`Tutti · ${a.dedupeKey}`];
  if (s.transition === "escalated") context.push(`re-notification ${s.escalationLevel}`);
  blocks.push({ type: "context", elements: context.map((text) => ({ type: "mrkdwn", text: truncate(escapeMrkdwn(text), 300) })) });

  const fallback = truncate(
    `${title}: ${s.transition === "resolved" ? (a.resolution ?? "resolved") : a.summary}${links.alert ? ` ${links.alert}` : ""}`,
    SECTION_MAX,
  );
  const message: SlackMessage = { text: fallback, blocks, unfurl_links: false, unfurl_media: false };
  // Slack can reject long messages far below its documented limits: keep the essentials if it grew too large.
  if (JSON.stringify(message).length > MESSAGE_BUDGET)
    message.blocks = [blocks[0], section(truncate(escapeMrkdwn(a.summary), 1500)), blocks[blocks.length - 1]];
  return message;
}
