import { describe, expect, it } from "vitest";
import { signupViaApi } from "./helpers/accounts";
import { browserApi } from "./helpers/browser-api";
import { artifactPath } from "./helpers/artifacts";
import { screenshot, useBrowser } from "./helpers/browser";

const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

describe("run only what is used, on the product page", () => {
  const b = useBrowser();

  it("sets a product's unused policy, showing the API's objection beside the field, at desktop and phone widths", async () => {
    const { page, context } = b;
    const { session } = await signupViaApi(context);
    const api = browserApi(context, session.csrf_token);
    const me = await api.request<{ teams: Array<{ id: string }> }>("GET", "/me");
    await api.request("POST", "/products", { name: "legacy_mart", title: "Legacy mart", owner_team_id: me.data.teams[0].id });

    await page.setViewportSize(DESKTOP);
    await page.goto("/products/legacy_mart");
    await page.getByRole("heading", { name: "Legacy mart" }).waitFor();
    const card = page.locator("section.card", { has: page.getByRole("heading", { name: "Run only what is used" }) });
    await card.getByText("Slow or pause the pipelines when this product is unused").click();
    await card.getByLabel("After days without use").fill("3");
    await card.getByRole("button", { name: "Save policy" }).click();
    // The API's field error sits under its field.
    await expect.poll(() => card.locator("#unused-after-days-error").count()).toBe(1);
    await card.getByLabel("After days without use").fill("30");
    await card.getByLabel("Then").selectOption("slow");
    await card.getByLabel("Run at most").selectOption("weekly");
    await card.getByRole("button", { name: "Save policy" }).click();
    await expect
      .poll(async () => (await api.request<{ policy: unknown }>("GET", "/products/legacy_mart/unused-policy")).data.policy)
      .toEqual({
        after_days: 30,
        action: "slow",
        slow_to: "weekly",
      });
    await card.scrollIntoViewIfNeeded();
    await screenshot(page, "product-unused-policy");
    await card.screenshot({ path: artifactPath("product-unused-policy-card", "png") });

    await page.setViewportSize(PHONE);
    await page.reload();
    await page.getByRole("heading", { name: "Legacy mart" }).waitFor();
    await expect.poll(() => card.getByLabel("Run at most").inputValue()).toBe("weekly");
    // Nothing wider than the phone's screen.
    const overflow = await page.evaluate(() => {
      const g = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
      return g.document.documentElement.scrollWidth - g.innerWidth;
    });
    expect(overflow).toBeLessThanOrEqual(0);
    await card.scrollIntoViewIfNeeded();
    await screenshot(page, "product-unused-policy-phone");
    await card.screenshot({ path: artifactPath("product-unused-policy-card-phone", "png") });
    expect(b.pageErrors).toEqual([]);
  });
});
