import { describe, expect, it } from "vitest";
import { seedProducts } from "../../scripts/demo/products";
import { browserApi } from "./helpers/browser-api";
import { signupViaApi } from "./helpers/accounts";
import { screenshot, useBrowser } from "./helpers/browser";

type Page = import("playwright-core").Page;

const viewports = [
  { name: "desktop", width: 1440, height: 900 },
  { name: "phone", width: 390, height: 844 },
] as const;

async function noHorizontalOverflow(page: Page) {
  const { scroll, viewport } = await page.evaluate(() => {
    const g = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
    return { scroll: g.document.documentElement.scrollWidth, viewport: g.innerWidth };
  });
  expect(scroll, "page wider than the viewport").toBeLessThanOrEqual(viewport);
}

const pressed = (page: Page) => page.getByRole("group", { name: "Time range" }).locator("button[aria-pressed=true]").innerText();
const money = (text: string) => Number(text.replace(/[^\d.]/g, ""));

describe("the time range on the Overview, the Data products list and product pages", () => {
  const b = useBrowser();

  for (const v of viewports) {
    it(`switches the range on the Overview, the products list and a product page, keeps it in the URL, and fits ${v.width} px (${v.name})`, async () => {
      const { page, context } = b;
      await page.setViewportSize({ width: v.width, height: v.height });
      const { session } = await signupViaApi(context);
      await seedProducts(browserApi(context, session.csrf_token));
      const api = async (path: string) => (await context.request.get(`/api/v1${path}`)).json();

      // Month to date by default, as the API.
      await page.goto("/");
      await expect.poll(() => pressed(page)).toBe("Month to date");
      const spend = page.locator("[data-kpi=spend]");
      await expect.poll(() => spend.innerText()).toMatch(/^\$[\d,.]+$/);

      // 7 days, then 90: the URL carries the range, the tile names its window and shows what the API counts for it.
      const week = await api("/scorecard?range=7d");
      const quarter = await api("/scorecard?range=90d");
      await page.getByRole("group", { name: "Time range" }).getByRole("button", { name: "7 days" }).click();
      await page.waitForURL(/\?range=7d$/);
      await page.getByText("Spend last 7 days", { exact: true }).waitFor();
      await expect.poll(async () => money(await spend.innerText())).toBeCloseTo(week.totals.month_to_date, 0);
      await page.getByRole("group", { name: "Time range" }).getByRole("button", { name: "90 days" }).click();
      await page.waitForURL(/\?range=90d$/);
      await page.getByText("Spend last 90 days", { exact: true }).waitFor();
      await expect.poll(async () => money(await spend.innerText())).toBeCloseTo(quarter.totals.month_to_date, 0);
      expect(quarter.totals.month_to_date).toBeGreaterThan(week.totals.month_to_date);
      await noHorizontalOverflow(page);
      await screenshot(page, `time-range-overview-90d-${v.name}`);

      // A link keeps it: reloading, and following a product from the Overview.
      await page.reload();
      await expect.poll(() => pressed(page)).toBe("90 days");
      await page.locator('a[href="/products/finance_revenue?range=90d"]').first().click();
      await page.waitForURL(/\/products\/finance_revenue\?range=90d$/);
      await expect.poll(() => pressed(page)).toBe("90 days");
      const cost = page.locator("[data-kpi=cost]");
      const product = await api("/products/finance_revenue/scorecard?range=90d");
      await page.getByText("Cost last 90 days", { exact: true }).waitFor();
      await expect.poll(async () => money(await cost.innerText())).toBeCloseTo(product.scorecard.cost.month_to_date, 0);
      expect(await page.getByText(/Daily cost allocated to this product.*last 90 days/).count()).toBe(1);

      // Switching on the product page changes the URL, every figure's label and the charts' window.
      const productWeek = await api("/products/finance_revenue/scorecard?range=7d");
      await page.getByRole("group", { name: "Time range" }).getByRole("button", { name: "7 days" }).click();
      await page.waitForURL(/\/products\/finance_revenue\?range=7d$/);
      await page.getByText("Cost last 7 days", { exact: true }).waitFor();
      await page.getByText("Usage last 7 days", { exact: true }).waitFor();
      await expect.poll(async () => money(await cost.innerText())).toBeCloseTo(productWeek.scorecard.cost.month_to_date, 0);
      await expect.poll(() => page.getByText(/Daily usage events by kind, last 7 days/).count()).toBe(1);
      await expect.poll(() => page.getByText("Drawing chart…").count()).toBe(0);
      await noHorizontalOverflow(page);
      await screenshot(page, `time-range-product-7d-${v.name}`);

      // Back to month to date: the parameter leaves the URL.
      await page.getByRole("group", { name: "Time range" }).getByRole("button", { name: "Month to date" }).click();
      await page.waitForURL(/\/products\/finance_revenue$/);
      await page.getByText("Cost this month", { exact: true }).waitFor();

      // The Data products list: month to date by default, then 30 days; the totals, each product's cost and the
      // column headings follow the range, and the links to product pages carry it.
      await page.goto("/products");
      await expect.poll(() => pressed(page)).toBe("Month to date");
      await page.getByText("Spend this month", { exact: true }).waitFor();
      const month = await api("/scorecard");
      const listSpend = page.locator("[data-kpi=spend]");
      await expect.poll(async () => money(await listSpend.innerText())).toBeCloseTo(month.totals.month_to_date, 0);
      const table = page.getByRole("table", { name: "Product scorecards" });
      expect(await table.getByRole("button", { name: "Cost MTD" }).count()).toBe(1);
      const thirty = await api("/scorecard?range=30d");
      await page.getByRole("group", { name: "Time range" }).getByRole("button", { name: "30 days" }).click();
      await page.waitForURL(/\/products\?range=30d$/);
      await page.getByText("Spend last 30 days", { exact: true }).waitFor();
      await expect.poll(async () => money(await listSpend.innerText())).toBeCloseTo(thirty.totals.month_to_date, 0);
      expect(await page.getByText(/^\d+ \w{3,4} – \d+ \w{3,4} \(UTC\)$/).count()).toBe(1);
      expect(await table.getByRole("button", { name: "Cost 30d" }).count()).toBe(1);
      expect(await table.getByRole("button", { name: "Uses 30d" }).count()).toBe(1);
      const revenue = thirty.items.find((i: { product: { name: string } }) => i.product.name === "finance_revenue");
      const row = table.locator('tr[data-product="finance_revenue"]');
      await expect.poll(async () => money(await row.locator("[data-cost]").innerText())).toBeCloseTo(revenue.cost.month_to_date, 0);
      expect(await page.getByText(/^Cost and uses last 30 days: .+ \(UTC\); trends against the 30 days before\./).count()).toBe(1);
      await noHorizontalOverflow(page);
      await screenshot(page, `time-range-products-30d-${v.name}`);
      await page.reload();
      await expect.poll(() => pressed(page)).toBe("30 days");
      await row.locator('a[href="/products/finance_revenue?range=30d"]').click();
      await page.waitForURL(/\/products\/finance_revenue\?range=30d$/);
      await expect.poll(() => pressed(page)).toBe("30 days");
      await page.getByText("Cost last 30 days", { exact: true }).waitFor();
      expect(b.pageErrors).toEqual([]);
    });
  }
});
