import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { fromBase32, hotp, totpStep } from "../../worker/lib/totp";
import { newAccount, signupViaApi } from "./helpers/accounts";
import { newContext, screenshot, useBrowser } from "./helpers/browser";

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1360, height: 900 };

/** The code an authenticator app would show, `offset` 30-second steps from now. */
const codeFor = (secret: string, offset = 0) => hotp(fromBase32(secret), totpStep(Date.now()) + offset);

async function signInWithPassword(page: Page, email: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByRole("heading", { name: "Two-step sign-in" }).waitFor();
}

describe("two-step sign-in in the dashboard", () => {
  const b = useBrowser();

  it("sets up an authenticator app from the key on the page, shows recovery codes once, and signs in with a code", async () => {
    const { page, context, browser } = b;
    const { account } = await signupViaApi(context, newAccount("mfa-totp"));
    await page.goto("/settings/account");
    await page.getByRole("button", { name: "Set up authenticator app" }).click();
    const secret = await page.getByRole("textbox", { name: "Secret key" }).inputValue();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(await page.getByTestId("otpauth-uri").getAttribute("href")).toContain(`secret=${secret}`);
    await screenshot(page, "mfa-totp-setup-desktop");
    await page.setViewportSize(PHONE);
    await screenshot(page, "mfa-totp-setup-phone");
    await page.setViewportSize(DESKTOP);
    // The previous step's code: the sign-in below then uses this step's or the next one, both still fresh.
    await page.getByLabel("Code the app shows now").fill(await codeFor(secret, -1));
    await page.getByRole("button", { name: "Turn on" }).click();
    const codes = page.getByTestId("recovery-codes").locator("li");
    await expect.poll(() => codes.count()).toBe(10);
    await screenshot(page, "mfa-recovery-codes-desktop");
    await page.setViewportSize(PHONE);
    await screenshot(page, "mfa-recovery-codes-phone");
    await page.setViewportSize(DESKTOP);
    await page.getByRole("button", { name: "I have stored them" }).click();
    await expect.poll(() => page.getByTestId("recovery-left").innerText()).toMatch(/10 of 10 left/);

    const other = await newContext(browser, { baseURL: b.baseUrl, viewport: PHONE });
    try {
      const phone = await other.newPage();
      await signInWithPassword(phone, account.email, account.password);
      await screenshot(phone, "mfa-second-step-phone");
      await phone.getByLabel("Code").fill(await codeFor(secret));
      await phone.getByRole("button", { name: "Verify" }).click();
      await phone.getByRole("heading", { name: "Overview" }).waitFor();
    } finally {
      await other.close();
    }
    expect(b.pageErrors).toEqual([]);
    expect(b.cspViolations).toEqual([]);
  });

  it("registers a passkey with Chromium's virtual authenticator and signs in with it", async () => {
    const { page, context, browser } = b;
    const { account } = await signupViaApi(context, newAccount("mfa-passkey"));
    const cdp = await context.newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });
    await page.goto("/settings/account");
    await page.getByLabel("Passkey name").fill("Virtual laptop");
    await page.getByRole("button", { name: "Add passkey" }).click();
    await page.getByTestId("recovery-codes").waitFor();
    await page.getByRole("button", { name: "I have stored them" }).click();
    await page.getByText("Virtual laptop").waitFor();
    await screenshot(page, "mfa-passkeys-desktop");
    const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
    expect(credentials).toHaveLength(1);

    // Another browser profile with the same authenticator: the credential is copied over, as a synced passkey is.
    const other = await newContext(browser, { baseURL: b.baseUrl, viewport: DESKTOP });
    try {
      const second = await other.newPage();
      const otherCdp = await other.newCDPSession(second);
      await otherCdp.send("WebAuthn.enable");
      const { authenticatorId: otherId } = await otherCdp.send("WebAuthn.addVirtualAuthenticator", {
        options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
      });
      await otherCdp.send("WebAuthn.addCredential", { authenticatorId: otherId, credential: credentials[0] });
      await signInWithPassword(second, account.email, account.password);
      await screenshot(second, "mfa-second-step-passkey-desktop");
      await second.getByRole("button", { name: "Use a passkey" }).click();
      await second.getByRole("heading", { name: "Overview" }).waitFor();
    } finally {
      await other.close();
    }
    expect(b.pageErrors).toEqual([]);
    expect(b.cspViolations).toEqual([]);
  });
});
