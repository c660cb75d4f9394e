import type { BrowserContext, Page } from "playwright-core";
import { awaitLink, type CapturedMail, type LinkPath, tokenOf } from "./mailbox";

let counter = 0;

export interface Account {
  email: string;
  password: string;
  name: string;
  tenantName: string;
}

/** A fresh identity per call, so tests never collide on e-mail or tenant slug. */
export function newAccount(label = "e2e"): Account {
  const id = `${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  return {
    email: `${label}-${id}@example.com`,
    password: "correct horse battery staple",
    name: "Ada Lovelace",
    tenantName: `Acme ${id}`,
  };
}

/**
 * Signs up through the API inside the browser context and uses the mailed link, so the session cookie lands in the browser.
 * Returns the session body (user, tenant, csrf_token).
 */
export async function signupViaApi(context: BrowserContext, account: Account = newAccount()) {
  const asked = await context.request.post("/api/v1/auth/signup", {
    data: { email: account.email, password: account.password, name: account.name, tenant_name: account.tenantName },
  });
  if (asked.status() !== 202) throw new Error(`sign-up failed: ${asked.status()} ${await asked.text()}`);
  const link = await awaitLink(() => mailsIn(context, account.email), account.email, "/verify/");
  const res = await context.request.post("/api/v1/auth/verify", { data: { token: tokenOf(link) } });
  if (res.status() !== 201) throw new Error(`verification failed: ${res.status()} ${await res.text()}`);
  return { account, session: (await res.json()) as { user: { id: string }; tenant: { id: string; slug: string }; csrf_token: string } };
}

/**
 * Signs up through the dashboard's form, opens the mail in the dev mailbox the "check your e-mail" page links to,
 * follows its link, confirms, and waits for onboarding.
 */
export async function signupViaUi(page: Page, account: Account = newAccount()) {
  await page.goto("/signup");
  await page.getByLabel("Your name").fill(account.name);
  await page.getByLabel("Work e-mail").fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByLabel("Company or workspace name").fill(account.tenantName);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await page.getByRole("heading", { name: "Check your e-mail" }).waitFor();
  await followMailedLink(page, "/verify/");
  await page.getByRole("button", { name: "Create the workspace" }).click();
  await page.waitForURL("**/onboarding");
  return account;
}

/** The dev mailbox's mails to `to`, read through the browser context's API client. */
async function mailsIn(context: BrowserContext, to: string): Promise<CapturedMail[]> {
  const res = await context.request.get(`/api/v1/dev/mail?to=${encodeURIComponent(to)}`);
  if (res.status() !== 200) throw new Error(`GET /dev/mail: ${res.status()} ${await res.text()}`);
  return ((await res.json()) as { items: CapturedMail[] }).items;
}

/**
 * From a "check your e-mail" page: once the mail is there (it goes out just after the answer), opens the dev mailbox
 * the page links to and follows the newest mail's link under `path`.
 */
export async function followMailedLink(page: Page, path: LinkPath) {
  const mailbox = page.getByRole("link", { name: "Open the dev mailbox" });
  const to = new URL((await mailbox.getAttribute("href")) ?? "", "http://mailbox").searchParams.get("to") ?? "";
  await awaitLink(() => mailsIn(page.context(), to), to, path);
  await mailbox.click();
  await page.waitForURL("**/dev/mail**");
  await page
    .getByRole("link", { name: new RegExp(path.replaceAll("/", "\\/")) })
    .first()
    .click();
}
