import type { APIRequestContext, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { signupViaApi } from "./helpers/accounts";
import { newContext, screenshot, useBrowser } from "./helpers/browser";

/**
 * A product's status page end to end: its owner creates a share link on the product page; someone without an
 * account opens it at desktop and phone size, reads the incident and its note, subscribes, and confirms from the mail.
 */

async function send(request: APIRequestContext, csrf: string, path: string, data: unknown) {
  const res = await request.post(path, { data, headers: { "x-csrf-token": csrf } });
  if (res.status() >= 300) throw new Error(`${path}: ${res.status()} ${await res.text()}`);
  return res.json();
}

/** Page width against the window's: more than the window means the page scrolls sideways. */
const widths = (page: Page) =>
  page.evaluate(() => {
    const g = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
    return { scroll: g.document.documentElement.scrollWidth, viewport: g.innerWidth };
  });

describe("product status page", () => {
  const b = useBrowser();

  it("opens without an account at desktop and phone size, shows the incident with its note, and takes a confirmed subscription", async () => {
    const { page, context } = b;
    const { session } = await signupViaApi(context);
    const csrf = session.csrf_token;
    const team = (await (await context.request.get("/api/v1/me")).json()).teams[0];
    const namespace = `e2e-status-${session.tenant.slug}`;
    await send(context.request, csrf, "/api/v1/lineage", {
      eventType: "COMPLETE",
      eventTime: "2026-01-05T06:00:00.000Z",
      run: { runId: crypto.randomUUID() },
      job: { namespace, name: "build_revenue" },
      inputs: [],
      outputs: [{ namespace, name: "marts.revenue" }],
      producer: "https://example.com/e2e",
      schemaURL: "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    });
    const dataset = (await (await context.request.get(`/api/v1/datasets?namespace=${namespace}&name=marts.revenue`)).json()).items[0];
    await send(context.request, csrf, "/api/v1/products", {
      name: "finance_revenue",
      title: "Finance revenue",
      description: "Daily revenue for the board pack",
      owner_team_id: team.id,
      datasets: [{ id: dataset.id }],
      sla: { freshness: { cron: "0 8 * * *", timezone: "UTC" } },
    });
    // A failing check on the product's dataset opens an alert whose impact names the product.
    await send(context.request, csrf, "/api/v1/quality", { results: [{ dataset_id: dataset.id, check: "revenue_not_negative", status: "fail" }] });
    let alert: { id: string } | undefined;
    await expect
      .poll(async () => (alert = (await (await context.request.get("/api/v1/alerts?kind=quality_failed")).json()).items[0]), { timeout: 20_000 })
      .toBeTruthy();
    await send(context.request, csrf, `/api/v1/alerts/${alert!.id}/notes`, {
      text: "Refunds were double counted; a fix is deploying, numbers correct by 10:00.",
    });

    // The owner shares the page from the product page; the link is shown once.
    await page.goto("/products/finance_revenue");
    await page.getByLabel("New link for").fill("Finance stakeholders");
    await page.getByRole("button", { name: "Create link" }).click();
    const link = page.locator("#new-status-link");
    await link.waitFor();
    const url = await link.inputValue();
    expect(url).toMatch(/\/status\/[a-z0-9]{32}$/);
    await page.getByText("cannot show this link again").waitFor();

    // Someone without an account opens it.
    const stranger = await newContext(b.browser, { baseURL: b.baseUrl });
    try {
      const visitor = await stranger.newPage();
      const pageErrors: string[] = [];
      visitor.on("pageerror", (error) => pageErrors.push(String(error)));
      const response = await visitor.goto(url);
      expect(response?.headers()["x-robots-tag"]).toContain("noindex");
      expect(response?.headers()["cache-control"]).toBe("no-store");
      for (const [size, viewport] of [
        ["desktop", { width: 1440, height: 900 }],
        ["phone", { width: 390, height: 844 }],
      ] as const) {
        await visitor.setViewportSize(viewport);
        await visitor.goto(url);
        await visitor.getByRole("heading", { level: 1, name: "Finance revenue" }).waitFor();
        await visitor.getByText("Refunds were double counted").waitFor();
        expect(await visitor.getByLabel("Health").innerText()).toContain("1 open alert");
        expect(await visitor.locator("main").innerText()).toContain("finance_revenue");
        expect(
          await visitor
            .getByRole("list", { name: /Incidents per day/ })
            .locator("li")
            .count(),
        ).toBe(30);
        await visitor.waitForLoadState("networkidle");
        await screenshot(visitor, `status-page-${size}`);
        const { scroll, viewport: width } = await widths(visitor);
        expect(scroll, `${size}: the page scrolls sideways`).toBeLessThanOrEqual(width);
      }
      // Nothing of the workspace: no navigation, no sign-in redirect, no costs.
      expect(visitor.url()).toBe(url);
      expect(await visitor.getByRole("navigation").count()).toBe(0);
      expect(await visitor.locator("main").innerText()).not.toMatch(/cost|\$/i);

      const email = `consumer-${session.tenant.slug}@example.com`;
      await visitor.getByLabel("Your e-mail").fill(email);
      await visitor.getByRole("button", { name: "Subscribe" }).click();
      await visitor.getByRole("status").getByText("confirmation link is on its way").waitFor();
      await screenshot(visitor, "status-page-subscribed-phone");

      const mails = (await (await stranger.request.get(`/api/v1/dev/mail?to=${encodeURIComponent(email)}`)).json()).items as Array<{ text: string }>;
      const confirm = /https?:\/\/\S+?\/status\/confirm\/[A-Za-z0-9_.]+/.exec(mails[0]?.text ?? "")?.[0];
      expect(confirm, "the confirmation mail's link").toBeTruthy();
      await visitor.setViewportSize({ width: 1440, height: 900 });
      await visitor.goto(confirm!);
      await visitor.getByRole("button", { name: "Confirm" }).click();
      await visitor.getByRole("status").getByText("You will get an e-mail when Finance revenue has an incident.").waitFor();
      await screenshot(visitor, "status-subscription-confirmed");
      expect(pageErrors).toEqual([]);
    } finally {
      await stranger.close();
    }

    const subscribers = await (await context.request.get("/api/v1/products/finance_revenue/subscriptions")).json();
    expect(subscribers.items).toEqual([expect.objectContaining({ kind: "email", status: "confirmed" })]);
    await page.reload();
    await page.getByText(`consumer-${session.tenant.slug}@example.com`).waitFor();
    await screenshot(page, "product-status-page-card");
    expect(b.pageErrors).toEqual([]);
  });
});
