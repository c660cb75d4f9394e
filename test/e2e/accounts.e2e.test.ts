import { describe, expect, it } from "vitest";
import { followMailedLink, newAccount, signupViaApi } from "./helpers/accounts";
import { newContext, screenshot, useBrowser } from "./helpers/browser";

describe("accounts by e-mail", () => {
  const b = useBrowser();

  it("forgot password: the mailed link sets a new password, signs the old browser out, and the new one signs in", async () => {
    const { browser, context } = b;
    const { account } = await signupViaApi(context, newAccount("forgetful"));
    expect((await context.request.get("/api/v1/me")).status()).toBe(200);

    const other = await newContext(browser, { baseURL: b.baseUrl });
    try {
      const page = await other.newPage();
      await page.goto("/login");
      await page.getByRole("link", { name: "Forgot your password?" }).click();
      await page.getByRole("heading", { name: "Forgot your password?" }).waitFor();
      await page.getByLabel("E-mail").fill(account.email);
      await page.getByRole("button", { name: "Send the link" }).click();
      await page.getByRole("heading", { name: "Check your e-mail" }).waitFor();
      await screenshot(page, "flow-forgot-password-check-email");

      await followMailedLink(page, "/reset-password/");
      await page.getByRole("heading", { name: "Choose a new password" }).waitFor();
      await page.getByLabel("New password").fill("a brand new password");
      await page.getByRole("button", { name: "Set the new password" }).click();
      await page.getByRole("heading", { name: "Password changed" }).waitFor();
      // The browser that was signed in before is signed out.
      expect((await context.request.get("/api/v1/me")).status()).toBe(401);

      await page.getByRole("link", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: "Sign in" }).waitFor();
      await page.getByLabel("E-mail").fill(account.email);
      await page.getByLabel("Password").fill(account.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect.poll(() => page.locator("[role=alert]").innerText()).toMatch(/wrong e-mail or password/i);
      await page.getByLabel("Password").fill("a brand new password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: "Overview" }).waitFor();

      // The used link does not work twice. (This account's mails only: other files' tests share the server's mailbox.)
      await page.goto(`/dev/mail?to=${encodeURIComponent(account.email)}`);
      await page
        .getByRole("link", { name: /\/reset-password\// })
        .first()
        .click();
      await page.getByLabel("New password").fill("yet another password");
      await page.getByRole("button", { name: "Set the new password" }).click();
      await page.getByRole("heading", { name: "This link cannot be used" }).waitFor();
    } finally {
      await other.close();
    }
    expect(b.pageErrors).toEqual([]);
    expect(b.cspViolations).toEqual([]);
  });
});
