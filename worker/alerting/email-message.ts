import { escapeHtml } from "../mail/html";
import { kindLabels } from "./kinds";
import { impactsFor, linksFor, type DeliverySnapshot } from "./snapshot";

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

const subjectPrefix = { opened: "[Tutti alert]", escalated: "[Tutti alert, unacknowledged]", resolved: "[Tutti resolved]", noted: "[Tutti update]" } as const;

/** Plain text and HTML of one alert transition; the subject stays on one line and under 200 characters. */
export function emailMessage(s: DeliverySnapshot, appUrl: string | undefined): EmailContent {
  const a = s.alert;
  const links = linksFor(appUrl, s);
  const { mine, others } = impactsFor(s);
  // Titles come from pipeline and dataset names and error text: one line, for the subject and the first line alike.
  const title = a.title.replace(/[\r\n]+/g, " ");
  const subject = `${subjectPrefix[s.transition]} ${title}`.slice(0, 200);
  const body =
    s.transition === "resolved"
      ? (a.resolution ?? `Resolved${a.resolvedBy ? ` by ${a.resolvedBy}` : ""}.`)
      : s.transition === "noted" && s.note
        ? s.note.text
        : a.summary;
  const facts: Array<[string, string]> = [
    ["Kind", kindLabels[a.kind]],
    ["Severity", a.severity],
    ["Owner team", a.ownerTeam?.name ?? "none"],
    ["Occurrences", String(a.occurrences)],
    ["First seen", new Date(a.firstSeenAt).toISOString()],
  ];

  const text = [
    title,
    "",
    ...mine.map((i) => `Your product: ${i.statement}`),
    body,
    "",
    ...facts.map(([k, v]) => `${k}: ${v}`),
    ...(others.length ? ["", "Downstream impact:", ...others.map((i) => `- ${i.statement}`)] : []),
    ...(links.alert ? ["", `Alert: ${links.alert}`] : []),
    ...(links.run ? [`Run: ${links.run}`] : []),
    "",
    `You receive this because your team (${s.recipient.team.name}) routes ${kindLabels[a.kind].toLowerCase()} alerts to this address in Tutti.`,
  ].join("\n");

  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#18181b;max-width:640px">
<h2 style="margin:0 0 12px">${escapeHtml(title)}</h2>
${mine.map((i) => `<p style="font-weight:600">${escapeHtml(i.statement)}</p>`).join("")}
<p>${escapeHtml(body)}</p>
<table style="border-collapse:collapse">${facts.map(([k, v]) => `<tr><td style="padding:2px 12px 2px 0;color:#71717a">${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`).join("")}</table>
${others.length ? `<h3>Downstream impact</h3><ul>${others.map((i) => `<li>${escapeHtml(i.statement)}</li>`).join("")}</ul>` : ""}
${links.alert ? `<p><a href="${escapeHtml(links.alert)}">Open the alert in Tutti</a>${links.run ? ` · <a href="${escapeHtml(links.run)}">View the run</a>` : ""}</p>` : ""}
<p style="color:#71717a;font-size:12px">You receive this because your team (${escapeHtml(s.recipient.team.name)}) routes these alerts to this address in Tutti.</p>
</body></html>`;
  return { subject, text, html };
}
