import type { DeliverySnapshot } from "../alerting/snapshot";
import { compose, oneLine, type Paragraph } from "./account-mails";
import type { MailMessage } from "./send";

/**
 * Mails to a product's status-page subscribers: the confirmation of the address (double opt-in), and one mail per
 * incident transition. They say what the status page says — the incident's title, what it means for the product,
 * the notes and the resolution — and nothing of the tenant's internals (no error text, no links into the dashboard,
 * which a subscriber cannot open). Every incident mail ends with its unsubscribe link.
 */

export function confirmSubscriptionMail(to: string, productTitle: string, confirmUrl: string): MailMessage {
  const title = oneLine(productTitle);
  return compose("status.confirm", to, `Confirm your subscription to ${title} incidents`, [
    {
      text: `Someone (hopefully you) asked to be told by e-mail when ${title} has an incident: when it starts, when its owners post an update, and when it is resolved.`,
    },
    { text: "Confirm to start receiving them; nothing is sent to this address until you do.", link: { label: "Confirm the subscription", url: confirmUrl } },
    { text: "If it was not you, ignore this mail." },
  ]);
}

const headline = { opened: "Incident", escalated: "Incident", resolved: "Resolved", noted: "Update" } as const;

export function incidentMail(to: string, s: DeliverySnapshot, unsubscribeUrl: string): MailMessage {
  const product = s.recipient.product;
  const title = oneLine(s.alert.title);
  const productTitle = oneLine(product?.title ?? s.alert.subject.name);
  const impact = s.alert.impacts.find((i) => i.product === product?.name)?.statement;
  const body: Paragraph[] =
    s.transition === "noted" && s.note
      ? [{ text: `Update from the owners of ${productTitle} on "${title}":` }, { text: s.note.text }]
      : s.transition === "resolved"
        ? [{ text: `The incident "${title}" on ${productTitle} is resolved.` }, ...(s.alert.resolution ? [{ text: s.alert.resolution }] : [])]
        : [{ text: `${productTitle} has an incident: ${title}.` }, ...(impact ? [{ text: impact }] : [])];
  return compose(
    `status.${s.transition}`,
    to,
    `[${productTitle}] ${headline[s.transition]}: ${title}`.slice(0, 200),
    [...body, { text: `Started ${new Date(s.alert.firstSeenAt).toUTCString()}.` }],
    { text: `You receive this because you subscribed to incidents of ${productTitle}.`, link: { label: "Unsubscribe", url: unsubscribeUrl } },
  );
}
