/**
 * The dev mailbox of a running Tutti that captures mail (local development and the test servers: TUTTI_ENV dev, test
 * or e2e): sign-up, password-reset and invitation links are read from GET /api/v1/dev/mail, as a person would read
 * them from their inbox. Used by the browser and CLI tests, the benchmarks and the demo seeding.
 */

import { waitUntil } from "./processes";

export type LinkPath = "/verify/" | "/reset-password/" | "/invite/";

export interface CapturedMail {
  to: string;
  subject: string;
  text: string;
}

/** The newest link under `path` in these mails (newest first), or null. */
export function linkIn(mails: CapturedMail[], path: LinkPath): string | null {
  const pattern = new RegExp(`https?://\\S+?${path}[a-z0-9]+`);
  for (const mail of mails) {
    const match = pattern.exec(mail.text);
    if (match) return match[0];
  }
  return null;
}

/** The token at the end of a link. */
export const tokenOf = (link: string) => link.slice(link.lastIndexOf("/") + 1);

const noMailbox = (status: number) =>
  new Error(`the dev mailbox answered ${status}: mail is captured only where TUTTI_ENV is dev, development, test or e2e and MAIL_MODE is not "send"`);

/** How long a mail may take to arrive: sign-up and password-reset mails go out just after the answer. */
const MAIL_DEADLINE_MS = 15_000;

/**
 * Reads the mailbox with `read` until one of its mails has a link under `path`, for at most MAIL_DEADLINE_MS, and
 * returns that link (the newest one). A failed read is retried; the last failure is in the timeout's message.
 */
export async function awaitLink(read: () => Promise<CapturedMail[]>, to: string, path: LinkPath): Promise<string> {
  let link: string | null = null;
  let failure = "";
  await waitUntil(
    async () => {
      link = linkIn(
        await read().catch((err: unknown) => {
          failure = ` (last read: ${err instanceof Error ? err.message : String(err)})`;
          throw err;
        }),
        path,
      );
      return link !== null;
    },
    { timeoutMs: MAIL_DEADLINE_MS, intervalMs: 50, what: () => `a mail to ${to} with a ${path} link${failure}` },
  );
  return link!;
}

/** The newest captured link under `path` to `to`, from a running Tutti at `baseUrl`, waiting for it to arrive. */
export async function mailboxLink(baseUrl: string, to: string, path: LinkPath): Promise<string> {
  return awaitLink(
    async () => {
      const res = await fetch(`${baseUrl}/api/v1/dev/mail?to=${encodeURIComponent(to)}`);
      if (res.status !== 200) throw noMailbox(res.status);
      return ((await res.json()) as { items: CapturedMail[] }).items;
    },
    to,
    path,
  );
}

export interface SignupBody {
  email: string;
  password: string;
  name: string;
  tenant_name: string;
  tenant_slug?: string;
  team_name?: string;
}

/**
 * Signs up through the API and uses the mailed link: the answer of POST /auth/verify (201 with the session cookie
 * and body), or the sign-up's own answer when it was refused.
 */
export async function signupVerified(baseUrl: string, body: SignupBody): Promise<Response> {
  const res = await fetch(`${baseUrl}/api/v1/auth/signup`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (res.status !== 202) return res;
  const token = tokenOf(await mailboxLink(baseUrl, body.email, "/verify/"));
  return fetch(`${baseUrl}/api/v1/auth/verify`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token }) });
}

/** The `cookie` header value for the cookies a response set (Node's fetch). */
export const cookieOf = (res: Response) =>
  (res.headers as unknown as { getSetCookie(): string[] })
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
