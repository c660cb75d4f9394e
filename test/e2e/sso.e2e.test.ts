import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOidcProvider, type OidcProviderFake } from "../fakes/oidc/provider";
import { registerClient } from "../fakes/oidc/register-client";
import { newAccount, signupViaApi } from "./helpers/accounts";
import { newContext, screenshot, useBrowser } from "./helpers/browser";

describe("single sign-on in the browser", () => {
  const b = useBrowser();
  let provider: OidcProviderFake;
  beforeAll(async () => {
    provider = await startOidcProvider();
  });
  afterAll(() => provider?.close());

  it("an owner sets up the provider, a domain and SCIM in Settings; colleagues sign in through the provider's login page, a provisioned one into their team until deprovisioned", async () => {
    const { page, context } = b;
    const domain = `sso-${Date.now().toString(36)}.example`;
    await signupViaApi(context, { ...newAccount("sso-owner"), email: `owner@${domain}` });
    const client = await registerClient(provider.issuer, `${b.baseUrl}/api/v1/auth/sso/callback`);

    await page.goto("/settings/sso");
    await page.getByRole("heading", { name: "Identity provider" }).waitFor();
    expect(await page.locator("#sso-redirect-uri").inputValue()).toBe(`${b.baseUrl}/api/v1/auth/sso/callback`);
    await page.getByLabel("Issuer URL").fill(provider.issuer);
    await page.getByLabel("Client ID").fill(client.clientId);
    await page.getByLabel("Client secret").fill(client.clientSecret);
    await page.getByRole("button", { name: "Save provider" }).click();
    await page.getByText("Set. Leave empty to keep it").waitFor();
    await page.getByLabel("Domain", { exact: true }).fill(domain);
    await page.getByRole("button", { name: "Add domain" }).click();
    await page.getByText(`claimed by owner@${domain}`).waitFor();
    await page.getByRole("button", { name: "Create token" }).click();
    const scimToken = await page.locator("#scim-token").inputValue();
    expect(scimToken).toMatch(/^scim_[0-9a-z]{40}$/);
    await screenshot(page, "flow-sso-settings");

    // The identity provider provisions a person and a group with the token shown once (Okta-shaped requests).
    const scim = async (method: string, path: string, body: unknown) => {
      const res = await fetch(`${b.baseUrl}/scim/v2${path}`, {
        method,
        headers: { authorization: `Bearer ${scimToken}`, "content-type": "application/scim+json" },
        body: JSON.stringify(body),
      });
      if (res.status >= 300) throw new Error(`SCIM ${method} ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as { id: string };
    };
    const ria = `ria@${domain}`;
    const user = await scim("POST", "/Users", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
      userName: ria,
      name: { givenName: "Ria", familyName: "Okafor" },
      emails: [{ primary: true, value: ria, type: "work" }],
      active: true,
    });
    await scim("POST", "/Groups", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
      displayName: "Finance Data",
      members: [{ value: user.id, display: ria }],
    });

    const colleague = await newContext(b.browser, { baseURL: b.baseUrl });
    try {
      const tab = await colleague.newPage();
      await tab.goto("/login");
      await tab.getByLabel("E-mail").fill(`kai@${domain}`);
      await tab.getByRole("button", { name: "Continue with SSO" }).click();
      // The provider's own login page (oidc-provider's development interactions): any login, any password.
      await tab.waitForURL(`${provider.issuer}/**`);
      expect(await tab.locator('input[name="login"]').inputValue()).toBe(`kai@${domain}`);
      await tab.locator('input[name="password"]').fill("any password at all");
      await screenshot(tab, "flow-sso-provider-login");
      await tab.getByRole("button", { name: "Sign-in" }).click();
      await tab.getByRole("heading", { name: "Overview" }).waitFor();
      const me = (await (await colleague.request.get("/api/v1/me")).json()) as { user: { email: string }; role: string };
      expect(me).toMatchObject({ user: { email: `kai@${domain}` }, role: "member" });
    } finally {
      await colleague.close();
    }

    // The provisioned person signs in through the provider's page into their group's team; deprovisioned, their
    // open dashboard is signed out on its next request.
    const provisioned = await newContext(b.browser, { baseURL: b.baseUrl });
    try {
      const tab = await provisioned.newPage();
      await tab.goto("/login");
      await tab.getByLabel("E-mail").fill(ria);
      await tab.getByRole("button", { name: "Continue with SSO" }).click();
      await tab.waitForURL(`${provider.issuer}/**`);
      await tab.locator('input[name="password"]').fill("any password at all");
      await tab.getByRole("button", { name: "Sign-in" }).click();
      await tab.getByRole("heading", { name: "Overview" }).waitFor();
      const me = (await (await provisioned.request.get("/api/v1/me")).json()) as { teams: Array<{ name: string; role: string | null }> };
      expect(me.teams.find((t) => t.name === "Finance Data")?.role).toBe("member");
      await tab.goto("/settings/teams");
      await tab.getByRole("link", { name: "Finance Data" }).waitFor();
      await screenshot(tab, "flow-scim-provisioned-teams");

      await scim("PATCH", `/Users/${user.id}`, {
        schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        Operations: [{ op: "replace", value: { active: false } }],
      });
      expect((await provisioned.request.get("/api/v1/me")).status()).toBe(401);
      await tab.goto("/");
      await tab.waitForURL(/\/login/);
    } finally {
      await provisioned.close();
    }

    // An address outside the workspace's domains comes back to the sign-in page with the reason.
    const stranger = await newContext(b.browser, { baseURL: b.baseUrl });
    try {
      const tab = await stranger.newPage();
      await tab.goto("/login");
      await tab.getByLabel("E-mail").fill("nobody@unclaimed.example");
      await tab.getByRole("button", { name: "Continue with SSO" }).click();
      await expect.poll(() => tab.locator("[role=alert]").innerText()).toMatch(/not set up for this address/);
    } finally {
      await stranger.close();
    }
    expect(b.pageErrors).toEqual([]);
    expect(b.cspViolations).toEqual([]);
  });
});
