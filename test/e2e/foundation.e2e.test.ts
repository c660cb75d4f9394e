import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Page, Response } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { newAccount, signupViaApi, signupViaUi } from "./helpers/accounts";
import { newContext, screenshot, useBrowser } from "./helpers/browser";

/** Records the body of every response the page receives, to prove a value never came back from the server. */
function recordResponses(page: Page) {
  const pending: Promise<string>[] = [];
  page.on("response", (response: Response) => {
    pending.push(
      response
        .text()
        .then((body) => `${response.url()}\n${body}`)
        // Redirects and aborted requests have no body to read.
        .catch(() => ""),
    );
  });
  return async () => (await Promise.all(pending)).join("\n");
}

/** The page's markup plus the current value of every input, which page.content() does not include. */
async function everythingVisible(page: Page): Promise<string> {
  const html = await page.content();
  const values = await page.locator("input, textarea, select").evaluateAll((elements) => elements.map((el) => (el as unknown as { value: string }).value));
  return `${html}\n${values.join("\n")}`;
}

describe("dashboard foundation", () => {
  const b = useBrowser();

  it("signs up, creates teams, an API token and a connection whose secret is never visible again", async () => {
    const { page } = b;
    const responses = recordResponses(page);
    const secret = `whsec_${randomBytes(24).toString("hex")}`;
    const rotatedSecret = `whsec_${randomBytes(24).toString("hex")}`;

    // Sign up in the browser; onboarding asks to name the first team and offers more.
    await signupViaUi(page, newAccount("founder"));
    await page.getByLabel("First team").fill("Platform");
    await page.getByLabel("Add another team").fill("Analytics");
    await page.getByRole("button", { name: "Add team" }).click();
    const teamList = page.locator(".team-list");
    await expect.poll(() => teamList.innerText()).toContain("Analytics");
    await screenshot(page, "flow-01-onboarding-teams");
    await page.getByRole("button", { name: "Continue" }).click();

    // The first token: created for Analytics, shown once.
    await page.getByRole("heading", { name: "Create an API token for CI" }).waitFor();
    await page.getByLabel("Team", { exact: true }).selectOption({ label: "Analytics" });
    await page.getByRole("button", { name: "Create token" }).click();
    const tokenField = page.locator("#new-token");
    await tokenField.waitFor();
    const token = await tokenField.inputValue();
    expect(token).toMatch(/^tt_e2e_[0-9a-z]{20,}$/);
    await screenshot(page, "flow-02-onboarding-token-shown-once");
    const asToken = await page.request.get("/api/v1/me", { headers: { authorization: `Bearer ${token}` } });
    expect(asToken.status()).toBe(200);
    const tokenMe = (await asToken.json()) as { actor: { type: string }; teams: { name: string }[] };
    expect(tokenMe.actor.type).toBe("token");
    expect(tokenMe.teams.map((t) => t.name)).toEqual(["Analytics"]);
    await page.getByRole("button", { name: /I have copied it/ }).click();
    await screenshot(page, "flow-03-onboarding-next-steps");
    await page.getByRole("link", { name: "Go to the dashboard" }).click();
    await page.getByRole("heading", { name: "Overview" }).waitFor();

    // The rename typed during onboarding was saved.
    await page.goto("/settings/teams");
    const teamsTable = page.getByRole("table", { name: "Teams" });
    await expect.poll(() => teamsTable.innerText()).toContain("Platform");
    expect(await teamsTable.innerText()).toContain("Analytics");

    // Another team from Settings.
    await page.getByRole("button", { name: "New team" }).click();
    const teamDialog = page.getByRole("dialog");
    await teamDialog.getByLabel("Name", { exact: true }).fill("Finance data");
    await teamDialog.getByRole("button", { name: "Create team" }).click();
    await page.getByRole("heading", { name: "Finance data" }).waitFor();
    await expect.poll(() => page.getByRole("table", { name: "Team members" }).innerText()).toContain("Ada Lovelace");
    await screenshot(page, "flow-04-team-detail");

    // The token is listed by prefix only.
    await page.goto("/settings/tokens");
    const tokensTable = page.getByRole("table", { name: "API tokens" });
    await expect.poll(() => tokensTable.innerText()).toContain(token.slice(0, 13));
    expect(await everythingVisible(page)).not.toContain(token);
    await screenshot(page, "flow-05-tokens-list");

    // A connection with a secret.
    await page.goto("/settings/connections");
    await page.getByRole("button", { name: "New connection" }).first().click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Team", { exact: true }).selectOption({ label: "Analytics" });
    await dialog.getByLabel("Kind", { exact: true }).selectOption({ label: "Outgoing signed webhook" });
    await dialog.getByLabel("Name", { exact: true }).fill("alerts-hook");
    await dialog.getByLabel("URL", { exact: true }).fill("https://hooks.example.com/tutti");
    await dialog.getByLabel("Signing secret", { exact: true }).fill(secret);
    // Positive control: while typed, the value is in the form, so the checks below can see a leak.
    expect(await everythingVisible(page)).toContain(secret);
    await screenshot(page, "flow-06-new-connection-form");
    await dialog.getByRole("button", { name: "Create connection" }).click();
    await page.waitForURL(/\/settings\/connections\/conn_/);
    await page.getByRole("heading", { name: "alerts-hook" }).waitFor();
    await expect.poll(() => page.locator("ul.secrets").innerText()).toMatch(/Signing secret\s*••••••\s*set/);
    expect(await everythingVisible(page)).not.toContain(secret);
    await screenshot(page, "flow-07-connection-detail");

    // Reloaded list and a fresh open of the connection: still only "set".
    await page.goto("/settings/connections");
    await expect.poll(() => page.getByRole("table", { name: "Connections" }).innerText()).toContain("alerts-hook");
    expect(await everythingVisible(page)).not.toContain(secret);
    await screenshot(page, "flow-08-connections-list");
    await page.getByRole("link", { name: "alerts-hook" }).click();
    await page.getByRole("heading", { name: "alerts-hook" }).waitFor();
    await page.reload();
    await page.getByRole("heading", { name: "alerts-hook" }).waitFor();
    expect(await everythingVisible(page)).not.toContain(secret);

    // Rotation takes a new value and forgets it too.
    await page.locator("#rotate-signing_secret").fill(rotatedSecret);
    await page.getByRole("button", { name: "Rotate secrets" }).click();
    await expect.poll(() => page.locator(".facts").innerText()).toMatch(/Secrets rotated\s*just now/);
    expect(await page.locator("#rotate-signing_secret").inputValue()).toBe("");
    const afterRotation = await everythingVisible(page);
    expect(afterRotation).not.toContain(secret);
    expect(afterRotation).not.toContain(rotatedSecret);

    // Nothing the server sent, and nothing it logged, contains a secret value.
    const seen = await responses();
    expect(seen).toContain("alerts-hook");
    expect(seen).not.toContain(secret);
    expect(seen).not.toContain(rotatedSecret);
    const serverLog = readFileSync(inject("serverLogPath"), "utf8");
    expect(serverLog).toContain("/api/v1/connections");
    expect(serverLog).not.toContain(secret);
    expect(serverLog).not.toContain(rotatedSecret);

    // Every step above left an audit entry.
    await page.goto("/settings/audit-log");
    const audit = page.getByRole("table", { name: "Audit log" });
    await expect.poll(() => audit.innerText()).toContain("connection.rotated");
    await screenshot(page, "flow-09-audit-log");

    expect(b.pageErrors).toEqual([]);
  });

  it("sends a signed-out visitor to login and back to the page they asked for", async () => {
    const { page, context } = b;
    const { account } = await signupViaApi(context);
    await context.clearCookies();
    const sessionChecks: string[] = [];
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/api/v1/me") sessionChecks.push(request.url());
    });

    await page.goto("/settings/tokens");
    await page.waitForURL(/\/login\?next=%2Fsettings%2Ftokens/);
    await page.getByLabel("E-mail").waitFor();
    await page.waitForLoadState("networkidle");
    // The app's guard asked once and was told "signed out"; the login page takes that answer instead of asking again.
    expect(sessionChecks).toHaveLength(1);
    await screenshot(page, "flow-login");
    await page.getByLabel("E-mail").fill(account.email);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").innerText()).toContain("wrong e-mail or password");

    await page.getByLabel("Password").fill(account.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL("**/settings/tokens");
    // exact: the empty list's "No API tokens yet" is a heading too, once the page has loaded its tokens.
    await page.getByRole("heading", { name: "API tokens", exact: true }).waitFor();

    // Signed in, the login page steps aside.
    await page.goto("/login");
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/");

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL("**/login");
    const me = await page.request.get("/api/v1/me");
    expect(me.status()).toBe(401);
    expect(b.pageErrors).toEqual([]);
  });

  it("asks for the Overview's data while the session check is still on its way, not after it", async () => {
    const { page, context } = b;
    await signupViaApi(context);
    // Hold the session check until the Overview's first read is sent: a page that waited for /me never sends it, and
    // the check is let go after 10 s so that case fails below instead of hanging.
    let rankingAsked!: () => void;
    const rankingSent = new Promise<void>((resolve) => (rankingAsked = resolve));
    const order: string[] = [];
    page.on("request", (request) => {
      const path = new URL(request.url()).pathname;
      if (path === "/api/v1/scorecard") {
        order.push("ranking asked");
        rankingAsked();
      }
    });
    await page.route("**/api/v1/me", async (route) => {
      await Promise.race([rankingSent, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      order.push("me answered");
      await route.continue();
    });
    try {
      await page.goto("/");
      await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    } finally {
      await page.unroute("**/api/v1/me");
    }
    expect(order.slice(0, 2)).toEqual(["ranking asked", "me answered"]);
    expect(b.pageErrors).toEqual([]);
  });

  it("signs out everywhere from the account page: every session ends, API tokens only when asked", async () => {
    const { page, browser, context } = b;
    const { account, session } = await signupViaApi(context);
    const teamId = ((await (await page.request.get("/api/v1/me")).json()) as { teams: { id: string }[] }).teams[0].id;
    const created = await page.request.post("/api/v1/tokens", {
      data: { name: "ci", team_id: teamId, scopes: ["read"] },
      headers: { "x-csrf-token": session.csrf_token },
    });
    const token = ((await created.json()) as { token: string }).token;
    // The same person signed in from a second browser.
    const other = await browser.newContext({ baseURL: b.baseUrl });
    try {
      const login = await other.request.post("/api/v1/auth/login", { data: { email: account.email, password: account.password } });
      expect(login.status()).toBe(200);

      await page.goto("/settings/account");
      await page.getByRole("heading", { name: "Sign out everywhere" }).waitFor();
      await page.getByLabel(/Also revoke every API token I created/).check();
      await screenshot(page, "flow-sign-out-everywhere");
      await page.getByRole("button", { name: "Sign out everywhere" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Sign out everywhere" }).click();
      await page.waitForURL("**/login");
      expect((await page.request.get("/api/v1/me")).status()).toBe(401);
      expect((await other.request.get("/api/v1/me")).status()).toBe(401);
      expect((await page.request.get("/api/v1/me", { headers: { authorization: `Bearer ${token}` } })).status()).toBe(401);
    } finally {
      await other.close();
    }
    expect(b.pageErrors).toEqual([]);
  });

  it("shows field errors from the API next to the inputs they belong to", async () => {
    const { page } = b;
    await page.goto("/signup");
    await page.getByLabel("Your name").fill("Grace");
    await page.getByLabel("Work e-mail").fill("not-an-email");
    await page.getByLabel("Password").fill("short");
    await page.getByLabel("Company or workspace name").fill("G");
    await page.getByRole("button", { name: "Create workspace" }).click();
    await expect.poll(() => page.locator("#email-error").innerText()).toContain("e-mail");
    expect(await page.locator("#password-error").innerText()).toContain("at least 10 characters");
    expect(await page.locator("#tenant_name-error").isVisible()).toBe(true);
    expect(await page.getByLabel("Work e-mail").getAttribute("aria-invalid")).toBe("true");
    expect(page.url()).toMatch(/\/signup$/);
    await screenshot(page, "flow-signup-field-errors");
  });

  it("invites a colleague by link, who joins the workspace and its team", async () => {
    const { page, browser } = b;
    await signupViaApi(b.context);
    const invitee = newAccount("invitee");

    await page.goto("/settings/invitations");
    await page.getByLabel("E-mail", { exact: true }).fill(invitee.email);
    await page.getByLabel("Role", { exact: true }).selectOption({ label: "Member" });
    await page.getByLabel("Add to team").selectOption({ index: 1 });
    await page.getByRole("button", { name: "Create link" }).click();
    const link = await page.locator("#invitation-url").inputValue();
    expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{20,}$/);
    await screenshot(page, "flow-invitation-link-shown-once");
    await page.getByRole("button", { name: "Done" }).click();
    await expect.poll(() => page.getByRole("table", { name: "Invitations" }).innerText()).toMatch(/Pending/);

    const other = await newContext(browser, { baseURL: b.baseUrl });
    try {
      const guest = await other.newPage();
      await guest.goto(new URL(link).pathname);
      await guest.getByRole("heading", { name: /^Join / }).waitFor();
      await screenshot(guest, "flow-invitation-accept");
      await guest.getByLabel("Your name").fill("Grace Hopper");
      await guest.getByLabel("Password").fill(invitee.password);
      await guest.getByRole("button", { name: /^Join / }).click();
      await guest.getByRole("heading", { name: "Overview" }).waitFor();
      await guest.goto("/settings/members");
      const members = guest.getByRole("table", { name: "Members" });
      await expect.poll(() => members.innerText()).toContain("Grace Hopper");
      expect(await members.innerText()).toContain("Ada Lovelace");
    } finally {
      await other.close();
    }

    await page.reload();
    await expect.poll(() => page.getByRole("table", { name: "Invitations" }).innerText()).toMatch(/Accepted/);
    await screenshot(page, "flow-invitations-list");
  });

  it("renders every section and settings page without errors or Content-Security-Policy violations", async () => {
    const { page, context } = b;
    await signupViaApi(context);
    const pages: [string, string][] = [
      ["/", "Overview"],
      ["/products", "Data products"],
      ["/pipelines", "Pipelines"],
      ["/runs", "Runs"],
      ["/lineage", "Lineage"],
      ["/costs", "Costs"],
      ["/alerts", "Alerts"],
      ["/settings/teams", "Teams"],
      ["/settings/members", "Members"],
      ["/settings/invitations", "Invitations"],
      ["/settings/tokens", "API tokens"],
      ["/settings/connections", "Connections"],
      ["/settings/audit-log", "Audit log"],
      ["/settings/sessions", "Sessions"],
      ["/settings/account", "Your account"],
    ];
    for (const [path, heading] of pages) {
      const response = await page.goto(path);
      // The policy is enforced (not report-only), so a violation below means something really was blocked.
      expect(response?.headers()["content-security-policy"], path).toContain("frame-ancestors 'none'");
      expect(response?.headers()["x-frame-options"], path).toBe("DENY");
      await page.getByRole("heading", { level: 1, name: heading, exact: true }).waitFor();
      // Wait for the page's own data to settle so the screenshot shows its real state.
      await page.waitForLoadState("networkidle");
      expect(await page.getByRole("status").filter({ hasText: "Loading" }).count()).toBe(0);
      expect(await page.getByRole("alert").count(), `error shown on ${path}`).toBe(0);
      await screenshot(page, `page${path === "/" ? "-overview" : path}`);
    }
    expect(b.pageErrors).toEqual([]);
    expect(b.cspViolations).toEqual([]);
  });
});
