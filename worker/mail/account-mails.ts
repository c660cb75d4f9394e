import { escapeHtml } from "./html";
import type { MailMessage } from "./send";

/**
 * The account mails: sign-up verification, the notice to an existing account, password reset and invitations. Each
 * is plain text plus the same words in simple HTML; links are the only secrets in them and appear in both.
 */

export interface Paragraph {
  text: string;
  link?: { label: string; url: string };
}

const WHY = "You receive this because someone entered this address in Tutti.";

/** One mail from paragraphs; `footer` says why the mail came (and may carry its unsubscribe link). */
export function compose(kind: string, to: string, subject: string, paragraphs: Paragraph[], footer: Paragraph = { text: WHY }): MailMessage {
  const text = [
    ...paragraphs.flatMap((p) => [p.text, ...(p.link ? [p.link.url] : []), ""]),
    `— Tutti. ${footer.text}`,
    ...(footer.link ? [footer.link.url] : []),
  ].join("\n");
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#18181b;max-width:560px">
${paragraphs.map((p) => `<p>${escapeHtml(p.text)}</p>${p.link ? `<p><a href="${escapeHtml(p.link.url)}">${escapeHtml(p.link.label)}</a></p>` : ""}`).join("\n")}
<p style="color:#71717a;font-size:12px">Tutti. ${escapeHtml(footer.text)}${footer.link ? ` <a href="${escapeHtml(footer.link.url)}">${escapeHtml(footer.link.label)}</a>` : ""}</p>
</body></html>`;
  return { kind, to, subject, text, html };
}

/** Names from sign-up forms go into subjects: one line, and not long enough to bury the rest. */
export const oneLine = (text: string) => text.replace(/[\r\n]+/g, " ").slice(0, 120);

const HOURS_VALID = { signup: 24, reset: 1 } as const;

export function verifySignupMail(to: string, origin: string, token: string, tenantName: string): MailMessage {
  return compose("signup.verify", to, `Confirm your e-mail to create ${oneLine(tenantName)} on Tutti`, [
    { text: `Confirm that this is your address to create the workspace "${oneLine(tenantName)}" and sign in.` },
    { text: `The link works once, for ${HOURS_VALID.signup} hours.`, link: { label: "Confirm and create the workspace", url: `${origin}/verify/${token}` } },
    { text: "If you did not sign up for Tutti, ignore this mail: nothing is created without this link." },
  ]);
}

/** Sign-up with the address of an existing account and its password: a new workspace for that account, once confirmed. */
export function addWorkspaceMail(to: string, origin: string, token: string, tenantName: string): MailMessage {
  return compose("signup.add_workspace", to, `Confirm the new workspace ${oneLine(tenantName)} on Tutti`, [
    { text: `Someone signed up with your address and your password to create the workspace "${oneLine(tenantName)}" for your account.` },
    {
      text: `If that was you, confirm it; the link works once, for ${HOURS_VALID.signup} hours.`,
      link: { label: "Create the workspace", url: `${origin}/verify/${token}` },
    },
    { text: "If it was not you, someone knows your password: reset it.", link: { label: "Reset your password", url: `${origin}/forgot-password` } },
  ]);
}

/** Sign-up with the address of an existing account and another password: nothing is created; the owner is told. */
export function signupAttemptMail(to: string, origin: string): MailMessage {
  return compose("signup.existing_account", to, "Someone tried to sign up to Tutti with your address", [
    { text: "Someone tried to sign up to Tutti with this address, which already has an account. Nothing was created or changed." },
    { text: "If it was you, sign in instead.", link: { label: "Sign in", url: `${origin}/login` } },
    { text: "If you forgot your password, reset it.", link: { label: "Reset your password", url: `${origin}/forgot-password` } },
  ]);
}

export function resetPasswordMail(to: string, origin: string, token: string): MailMessage {
  return compose("password.reset", to, "Reset your Tutti password", [
    { text: "Someone asked to reset the password of the Tutti account with this address." },
    {
      text: `Choose a new password with this link; it works once, for ${HOURS_VALID.reset} hour. Setting it signs you out everywhere.`,
      link: { label: "Choose a new password", url: `${origin}/reset-password/${token}` },
    },
    { text: "If you did not ask for this, ignore this mail: your password stays as it is." },
  ]);
}

/** A reset asked for an address without an account: said so, so a person who mistyped or never signed up knows. */
export function resetNoAccountMail(to: string, origin: string): MailMessage {
  return compose("password.reset_no_account", to, "Tutti password reset: no account uses this address", [
    { text: "Someone asked to reset the Tutti password of this address, but no Tutti account uses it." },
    { text: "If you meant to create a workspace, sign up.", link: { label: "Sign up", url: `${origin}/signup` } },
    { text: "If you did not ask for this, ignore this mail." },
  ]);
}

export function invitationMail(to: string, url: string, i: { tenantName: string; invitedBy: string; role: string; expiresAt: number }): MailMessage {
  return compose("invitation", to, `${oneLine(i.invitedBy)} invited you to ${oneLine(i.tenantName)} on Tutti`, [
    { text: `${oneLine(i.invitedBy)} invited you to join the workspace "${oneLine(i.tenantName)}" on Tutti as ${i.role}.` },
    { text: `The link works until ${new Date(i.expiresAt).toISOString().slice(0, 16).replace("T", " ")} UTC.`, link: { label: "Accept the invitation", url } },
  ]);
}

/** Token lifetimes, also the numbers the mails quote. */
export const SIGNUP_TOKEN_TTL_MS = HOURS_VALID.signup * 3_600_000;
export const RESET_TOKEN_TTL_MS = HOURS_VALID.reset * 3_600_000;
