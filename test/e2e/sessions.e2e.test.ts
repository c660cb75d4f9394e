import type { BrowserContext, Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { newAccount, signupViaApi } from "./helpers/accounts";
import { newContext, screenshot, useBrowser } from "./helpers/browser";

const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

/** Page width against the window's: more than the window means the page scrolls sideways. */
const widths = (page: Page) =>
  page.evaluate(() => {
    const g = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
    return { scroll: g.document.documentElement.scrollWidth, viewport: g.innerWidth };
  });

/** How many lines an element's text takes on screen. */
const lineCount = (locator: Locator) =>
  locator.evaluate((el) => {
    const g = globalThis as unknown as { document: { createRange(): { selectNodeContents(n: unknown): void; getClientRects(): { top: number }[] } } };
    const range = g.document.createRange();
    range.selectNodeContents(el);
    return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
  });

/** The rows of the Sessions table, once the page has loaded them. */
async function sessionRows(page: Page) {
  await page.getByRole("table", { name: "Sessions" }).waitFor();
  return page.getByRole("table", { name: "Sessions" }).locator("tbody tr");
}

/** Clicks a session row's "End" and confirms it in the dialog. */
async function endSession(page: Page, row: Locator) {
  await row.getByRole("button", { name: "End", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "End this session?" });
  await dialog.getByRole("button", { name: "End", exact: true }).click();
  await dialog.waitFor({ state: "hidden" });
}

/**
 * An open dashboard after its session ended: the server answers its API 401, and the page's next request (a click to
 * another section, no reload) sends it to the login page.
 */
async function expectSignedOut(context: BrowserContext, page: Page) {
  expect((await context.request.get("/api/v1/me")).status()).toBe(401);
  await page.getByRole("link", { name: "Pipelines", exact: true }).click();
  await page.waitForURL(/\/login/);
  await page.getByRole("button", { name: "Sign in" }).waitFor();
}

describe("sessions and invitations", () => {
  const b = useBrowser();

  it("lists a person's two browsers with the current one marked; ending the other signs that browser out on its next request", async () => {
    const { page, browser } = b;
    const { account } = await signupViaApi(b.context);
    const laptop = await newContext(browser, { baseURL: b.baseUrl });
    try {
      const login = await laptop.request.post("/api/v1/auth/login", { data: { email: account.email, password: account.password } });
      expect(login.status()).toBe(200);
      const laptopPage = await laptop.newPage();
      await laptopPage.goto("/");
      await laptopPage.getByRole("heading", { level: 1, name: "Overview" }).waitFor();

      await page.goto("/settings/sessions");
      await page.getByRole("heading", { level: 1, name: "Sessions" }).waitFor();
      const rows = await sessionRows(page);
      await expect.poll(() => rows.count()).toBe(2);
      const current = rows.filter({ hasText: "This browser" });
      const other = rows.filter({ hasNotText: "This browser" });
      expect(await current.count()).toBe(1);
      expect(await other.count()).toBe(1);
      // This browser's own session is signed out of with "Sign out"; the other one is ended.
      expect(await current.getByRole("button", { name: "Sign out" }).count()).toBe(1);
      expect(await current.getByRole("button", { name: "End", exact: true }).count()).toBe(0);
      expect(await other.innerText()).toContain(account.email);

      await endSession(page, other);
      await page.getByText("Session ended", { exact: true }).waitFor();
      await expect.poll(() => rows.count()).toBe(1);
      expect(await rows.first().innerText()).toContain("This browser");

      await expectSignedOut(laptop, laptopPage);
      // Only the other browser was signed out.
      expect((await page.request.get("/api/v1/me")).status()).toBe(200);
    } finally {
      await laptop.close();
    }
    expect(b.pageErrors).toEqual([]);
  });

  it("shows an owner everyone's sessions in the workspace; the owner ends a member's and the member is signed out on their next request", async () => {
    const { page, browser } = b;
    const { session } = await signupViaApi(b.context);
    const member = newAccount("member");
    const invited = await page.request.post("/api/v1/invitations", {
      data: { email: member.email, role: "member" },
      headers: { "x-csrf-token": session.csrf_token },
    });
    expect(invited.status()).toBe(201);
    const { token } = (await invited.json()) as { token: string };

    const memberContext = await newContext(browser, { baseURL: b.baseUrl });
    try {
      const accepted = await memberContext.request.post("/api/v1/invitations/accept", { data: { token, name: "Grace Hopper", password: member.password } });
      expect(accepted.status()).toBe(200);
      const memberPage = await memberContext.newPage();

      // A member sees only their own session, without the Person column.
      await memberPage.goto("/settings/sessions");
      const own = await sessionRows(memberPage);
      await expect.poll(() => own.count()).toBe(1);
      expect(await own.first().innerText()).toContain("This browser");
      expect(await memberPage.getByRole("columnheader", { name: "Person" }).count()).toBe(0);

      await page.goto("/settings/sessions");
      await page.getByRole("heading", { level: 1, name: "Sessions" }).waitFor();
      expect(await page.getByText("Everyone signed in to this workspace").count()).toBe(1);
      const rows = await sessionRows(page);
      await expect.poll(() => rows.count()).toBe(2);
      const members = rows.filter({ hasText: member.email });
      expect(await members.count()).toBe(1);
      expect(await members.innerText()).toContain("Grace Hopper");
      expect(await members.innerText()).toMatch(/Member/);

      for (const [size, viewport] of [
        ["desktop", DESKTOP],
        ["phone", PHONE],
      ] as const) {
        await page.setViewportSize(viewport);
        await page.getByRole("table", { name: "Sessions" }).waitFor();
        const { scroll, viewport: width } = await widths(page);
        expect(scroll, `${size}: the page is wider than the window`).toBeLessThanOrEqual(width);
        // The table scrolls sideways in its own box rather than squeezing the person into a column of word pieces.
        const email = members.getByText(member.email, { exact: true });
        expect(await lineCount(email), `${size}: the e-mail wraps`).toBe(1);
        await screenshot(page, `flow-sessions-${size}`);
      }
      await page.setViewportSize(DESKTOP);

      await endSession(page, members);
      await page.getByText("Session of Grace Hopper ended").waitFor();
      await expect.poll(() => rows.count()).toBe(1);
      expect(await rows.first().innerText()).not.toContain(member.email);

      await expectSignedOut(memberContext, memberPage);
    } finally {
      await memberContext.close();
    }
    expect(b.pageErrors).toEqual([]);
  });

  it("e-mails an invitation: the invitee follows the link from the dev mailbox, creates an account and lands in the workspace", async () => {
    const { page, browser } = b;
    const { account } = await signupViaApi(b.context);
    const invitee = newAccount("invitee");

    await page.goto("/settings/invitations");
    await page.getByRole("heading", { name: "Invite someone" }).waitFor();
    // The page says what happens: the link is mailed to the address.
    expect(await page.locator("main").innerText()).toContain("Tutti e-mails the link");
    await page.getByLabel("E-mail", { exact: true }).fill(invitee.email);
    await page.getByLabel("Role", { exact: true }).selectOption({ label: "Member" });
    await page.getByRole("button", { name: "Create link" }).click();
    const dialog = page.getByRole("dialog", { name: "Invitation link" });
    await expect.poll(() => dialog.innerText()).toContain(`We e-mailed this link to ${invitee.email}`);
    const copied = await page.locator("#invitation-url").inputValue();
    await dialog.getByRole("button", { name: "Done" }).click();

    const other = await newContext(browser, { baseURL: b.baseUrl });
    try {
      const guest = await other.newPage();
      await guest.goto(`/dev/mail?to=${encodeURIComponent(invitee.email)}`);
      const mail = guest.locator("article.mail").filter({ hasText: `To ${invitee.email}` });
      await expect.poll(() => mail.count()).toBe(1);
      expect(await mail.innerText()).toContain(account.tenantName);
      const mailed = mail.getByRole("link", { name: /\/invite\// });
      // The mail carries the same link the owner was shown, on this server.
      expect(await mailed.getAttribute("href")).toBe(copied);
      expect(new URL(copied).origin).toBe(b.baseUrl);
      await screenshot(guest, "flow-invitation-mail");

      await mailed.click();
      await guest.waitForURL(/\/invite\//);
      await guest.getByRole("heading", { name: `Join ${account.tenantName}` }).waitFor();
      await guest.getByLabel("Your name").fill("Grace Hopper");
      await guest.getByLabel("Password").fill(invitee.password);
      await guest.getByRole("button", { name: `Join ${account.tenantName}` }).click();
      await guest.getByRole("heading", { level: 1, name: "Overview" }).waitFor();

      const me = (await (await other.request.get("/api/v1/me")).json()) as { user: { email: string }; tenant: { name: string }; role: string };
      expect(me).toMatchObject({ user: { email: invitee.email }, tenant: { name: account.tenantName }, role: "member" });
    } finally {
      await other.close();
    }

    await page.reload();
    await expect.poll(() => page.getByRole("table", { name: "Invitations" }).innerText()).toMatch(/Accepted/);
    expect(b.pageErrors).toEqual([]);
  });
});
