import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromBase32, hotp, totpStep } from "../../worker/lib/totp";
import { startOidcProvider, type OidcProviderFake } from "../fakes/oidc/provider";
import { registerClient } from "../fakes/oidc/register-client";
import { totpQrDataUrl } from "../../web/src/lib/components/mfa/totp-qr";
import { newAccount, signupViaApi } from "./helpers/accounts";
import { newContext, screenshot, useBrowser } from "./helpers/browser";
import { browserApi } from "./helpers/browser-api";

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

/** Chromium's virtual platform authenticator (a passkey store with user verification) on the page's profile. */
async function addVirtualAuthenticator(context: BrowserContext, page: Page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });
  return { cdp, authenticatorId };
}

/**
 * Starts the authenticator-app set-up on the page and checks what it shows: the key as text and, beside it, a QR code
 * drawn from the very otpauth:// URI the API returned (the image is what uqr draws for it). Returns the secret.
 */
async function startTotpSetUp(page: Page) {
  const [started] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/api/v1/me/mfa/totp"),
    page.getByRole("button", { name: "Set up authenticator app" }).click(),
  ]);
  const { secret, otpauth_uri: uri } = (await started.json()) as { secret: string; otpauth_uri: string };
  expect(await page.getByRole("textbox", { name: "Secret key" }).inputValue()).toBe(secret);
  expect(await page.getByTestId("otpauth-uri").getAttribute("href")).toBe(uri);
  expect(await page.getByTestId("totp-qr").getAttribute("data-otpauth-uri")).toBe(uri);
  const qr = page.getByRole("img", { name: /QR code for your authenticator app/ });
  await qr.waitFor();
  expect(await qr.getAttribute("src")).toBe(totpQrDataUrl(uri));
  await expect
    .poll(() =>
      qr.evaluate((el) => {
        const img = el as unknown as { complete: boolean; naturalWidth: number };
        return img.complete && img.naturalWidth > 0;
      }),
    )
    .toBe(true);
  return secret;
}

describe("two-step sign-in in the dashboard", () => {
  const b = useBrowser();
  let provider: OidcProviderFake;
  beforeAll(async () => {
    provider = await startOidcProvider();
  });
  afterAll(() => provider?.close());

  it("sets up an authenticator app from its QR code or key, shows recovery codes once, and signs in with a code", async () => {
    const { page, context, browser } = b;
    const { account } = await signupViaApi(context, newAccount("mfa-totp"));
    await page.goto("/settings/account");
    const secret = await startTotpSetUp(page);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await screenshot(page, "mfa-totp-setup-desktop");
    await page.setViewportSize(PHONE);
    // At phone width the QR code keeps its full size and the page does not scroll sideways.
    expect((await page.getByRole("img", { name: /QR code/ }).boundingBox())?.width).toBe(200);
    expect(
      await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth),
    ).toBeLessThanOrEqual(PHONE.width);
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
    const { cdp, authenticatorId } = await addVirtualAuthenticator(context, page);
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
      const { cdp: otherCdp, authenticatorId: otherId } = await addVirtualAuthenticator(other, second);
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

  it("a member without a second factor in a workspace that requires one is sent to /mfa-setup, and lands in the app once the app is set up", async () => {
    const { context, browser } = b;
    const { session } = await signupViaApi(context, newAccount("mfa-owner"));
    const owner = browserApi(context, session.csrf_token);
    const ownerApp = await owner.request<{ secret: string }>("POST", "/me/mfa/totp");
    await owner.request("POST", "/me/mfa/totp/confirm", { code: await codeFor(ownerApp.data.secret, -1) });
    await owner.request("PUT", "/workspace/mfa", { required: true });
    const member = newAccount("mfa-member");
    const invitation = await owner.request<{ token: string }>("POST", "/invitations", { email: member.email, role: "member" });

    const phone = await newContext(browser, { baseURL: b.baseUrl, viewport: PHONE });
    try {
      const accepted = await phone.request.post("/api/v1/invitations/accept", {
        data: { token: invitation.data.token, name: member.name, password: member.password },
      });
      expect(accepted.status()).toBe(200);
      await phone.clearCookies();
      const page = await phone.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(String(error)));
      await page.goto("/login");
      await page.getByLabel("E-mail").fill(member.email);
      await page.getByLabel("Password").fill(member.password);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await page.waitForURL("**/mfa-setup");
      await page.getByRole("heading", { name: "Set up two-step sign-in" }).waitFor();
      // Until then the API answers nothing else for this session, and the app's pages lead back here.
      const blocked = await phone.request.get("/api/v1/teams");
      expect(blocked.status()).toBe(403);
      expect(((await blocked.json()) as { error: { code: string } }).error.code).toBe("mfa_required");
      await page.goto("/settings/account");
      await page.waitForURL("**/mfa-setup");
      await page.getByRole("button", { name: "Set up authenticator app" }).waitFor();
      await screenshot(page, "mfa-required-setup-phone");
      await page.setViewportSize(DESKTOP);
      await screenshot(page, "mfa-required-setup-desktop");

      const secret = await startTotpSetUp(page);
      await screenshot(page, "mfa-required-qr-desktop");
      await page.setViewportSize(PHONE);
      await screenshot(page, "mfa-required-qr-phone");
      await page.getByLabel("Code the app shows now").fill(await codeFor(secret));
      await page.getByRole("button", { name: "Turn on" }).click();
      await page.getByTestId("recovery-codes").waitFor();
      await page.getByRole("button", { name: "I have stored them" }).click();
      await page.getByRole("button", { name: /^Continue to / }).click();
      await page.getByRole("heading", { name: "Overview" }).waitFor();
      expect(new URL(page.url()).pathname).toBe("/");
      expect((await phone.request.get("/api/v1/teams")).status()).toBe(200);
      expect(errors).toEqual([]);
    } finally {
      await phone.close();
    }
    expect(b.pageErrors).toEqual([]);
    expect(b.cspViolations).toEqual([]);
  });

  it("a person provisioned by single sign-on, who has no password, confirms removing a passkey with that passkey", async () => {
    const { context, browser } = b;
    const domain = `mfa-sso-${Date.now().toString(36)}.example`;
    const { session } = await signupViaApi(context, { ...newAccount("mfa-sso-owner"), email: `owner@${domain}` });
    const owner = browserApi(context, session.csrf_token);
    const client = await registerClient(provider.issuer, `${b.baseUrl}/api/v1/auth/sso/callback`);
    await owner.request("PATCH", "/sso", { issuer: provider.issuer, client_id: client.clientId, client_secret: client.clientSecret });
    await owner.request("POST", "/sso/domains", { domain });

    const colleague = await newContext(browser, { baseURL: b.baseUrl, viewport: DESKTOP });
    try {
      const page = await colleague.newPage();
      await addVirtualAuthenticator(colleague, page);
      await page.goto("/login");
      await page.getByLabel("E-mail").fill(`kai@${domain}`);
      await page.getByRole("button", { name: "Continue with SSO" }).click();
      await page.waitForURL(`${provider.issuer}/**`);
      await page.locator('input[name="password"]').fill("the provider's password, not Tutti's");
      await page.getByRole("button", { name: "Sign-in" }).click();
      await page.getByRole("heading", { name: "Overview" }).waitFor();

      await page.goto("/settings/account");
      await page.getByLabel("Passkey name").fill("Work laptop");
      await page.getByRole("button", { name: "Add passkey" }).click();
      await page.getByRole("button", { name: "I have stored them" }).click();
      await page.getByRole("button", { name: "Remove passkey Work laptop" }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByRole("heading", { name: "Remove this passkey?" }).waitFor();
      // No password to ask for: the passkey is offered first, a recovery code as the fallback.
      expect(await dialog.getByLabel("Your password").count()).toBe(0);
      expect(await dialog.getByRole("radio", { name: "Passkey" }).isChecked()).toBe(true);
      expect(await dialog.getByRole("radio", { name: "Recovery code" }).count()).toBe(1);
      await page.setViewportSize(PHONE);
      await screenshot(page, "mfa-reauth-without-password-phone");
      await page.setViewportSize(DESKTOP);
      await dialog.getByRole("button", { name: "Remove", exact: true }).click();
      await page.getByText("No passkeys yet.").waitFor();
      expect(((await (await colleague.request.get("/api/v1/me/mfa")).json()) as { has_password: boolean }).has_password).toBe(false);
    } finally {
      await colleague.close();
    }
    expect(b.pageErrors).toEqual([]);
    expect(b.cspViolations).toEqual([]);
  });
});
