import type { Db } from "../db/client";
import { captureMail } from "../db/repo/platform/dev-outbox";
import type { Env } from "../env";
import { errorFields, type Logger } from "../lib/log";
import { isLocalEnv } from "../lib/urls";

/** One message to one person. `kind` names it in logs, which never carry the address or the body (links are secrets). */
export interface MailMessage {
  kind: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

export type MailMode = "capture" | "send";

/**
 * Where mail goes. `capture` keeps it in D1's dev_outbox for the dashboard's dev mailbox and the tests; it is possible
 * only where TUTTI_ENV is a local one (dev, development, test, e2e) — there it is the default, and MAIL_MODE=send
 * tries a real binding. Anywhere else mail is always sent, so a copied MAIL_MODE=capture can never put password-reset
 * links where a public page shows them.
 */
export function mailMode(env: Pick<Env, "TUTTI_ENV" | "MAIL_MODE">): MailMode {
  return isLocalEnv(env.TUTTI_ENV) && env.MAIL_MODE !== "send" ? "capture" : "send";
}

export const mailOutcomes = ["sent", "captured", "not_configured", "failed"] as const;
export type MailOutcome = (typeof mailOutcomes)[number];

/**
 * The one way Tutti sends account mail (verification, password reset, invitations): Cloudflare's send_email binding
 * `EMAIL` from `MAIL_FROM` in production (docs/deployment.md#e-mail), the capture store in local development and tests.
 * Never throws: what a caller answers must not depend on whether a mail went out (an answer that did would tell
 * whether an address is registered); a deployment that cannot send logs an error instead.
 */
export async function sendMail(env: Env, db: Db, message: MailMessage, now: number, log: Logger): Promise<MailOutcome> {
  const { kind, ...mail } = message;
  if (mailMode(env) === "capture") {
    await captureMail(db, mail, now);
    return "captured";
  }
  if (!env.EMAIL || !env.MAIL_FROM) {
    log.error("mail is not configured: add a send_email binding named EMAIL and set MAIL_FROM (docs/deployment.md#e-mail)", { mail_kind: kind });
    return "not_configured";
  }
  try {
    await env.EMAIL.send({ from: env.MAIL_FROM, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
    return "sent";
  } catch (err) {
    // The binding's error names the sender or the recipient's domain, never the body with its link.
    log.error("the e-mail binding refused a mail", { mail_kind: kind, ...errorFields(err) });
    return "failed";
  }
}
