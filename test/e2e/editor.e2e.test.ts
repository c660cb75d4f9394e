import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { signupViaApi } from "./helpers/accounts";
import { screenshot, useBrowser } from "./helpers/browser";

const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

/** Lines 7–10 are the second task; line 10 its dependency. */
const spec = (team: string, dependsOn: string, loadUrl = "https://tools.example.com/load") => `name: orders_daily
team: ${team}
tasks:
  - id: extract
    connector: http
    with: { url: "https://tools.example.com/extract" }
  - id: load
    connector: http
    with: { url: "${loadUrl}" }
    depends_on: [${dependsOn}]
`;

/** Replaces the editor's whole text, as pasting would. */
async function replaceText(page: Page, text: string) {
  await page.locator(".cm-content").click();
  await page.keyboard.press("Control+a");
  await page.keyboard.insertText(text);
}

const state = (page: Page) => page.locator(".toolbar .state");

describe("the pipeline editor", () => {
  const b = useBrowser();

  it("marks a problem on its line, completes keys, shows the changes, and pushes a version recorded as authored in the UI", async () => {
    const { page, context } = b;
    const { session } = await signupViaApi(context);
    const csrf = session.csrf_token;
    const me = await (await context.request.get("/api/v1/me")).json();
    const team = me.teams[0] as { id: string; slug: string };
    // Version 1 comes from CI: a token push carrying its git source.
    const token = (
      await (
        await context.request.post("/api/v1/tokens", {
          data: { name: "ci", team_id: team.id, scopes: ["read", "pipelines:write"] },
          headers: { "x-csrf-token": csrf },
        })
      ).json()
    ).token as string;
    const pushed = await context.request.post("/api/v1/pipelines", {
      data: { spec_text: spec(team.slug, "extract"), source: { git_repo: "acme/specs", git_sha: "0123abcd", git_branch: "main" } },
      headers: { authorization: `Bearer ${token}` },
    });
    expect(pushed.status(), await pushed.text()).toBe(201);

    await page.setViewportSize(DESKTOP);
    await page.goto("/pipelines/orders_daily");
    await page.getByRole("link", { name: "Edit" }).click();
    await page.waitForURL("**/pipelines/orders_daily/edit");
    // The editor warns before anything is changed that CI maintains this pipeline.
    expect(await page.getByRole("note").textContent()).toContain("CI pushes this pipeline");
    expect(await page.getByRole("note").textContent()).toContain("acme/specs@0123abc on main");
    await expect.poll(() => state(page).textContent(), { timeout: 30_000 }).toBe("No problems");
    expect(await page.locator(".cm-content").getAttribute("aria-label")).toBe("Pipeline spec (YAML)");

    // Completion of keys from the API's JSON Schema, for the task the cursor is in.
    await replaceText(page, `${spec(team.slug, "extract")}    retr`);
    await page.keyboard.press("Control+Space");
    const options = page.locator(".cm-tooltip-autocomplete");
    await options.getByText("retries").waitFor();
    expect(await options.getByText("depends_on").count()).toBe(0); // already there
    await page.keyboard.press("Escape");

    // An unknown dependency: marked on line 10 and listed with its line, and Push is off.
    await replaceText(page, spec(team.slug, "extrct"));
    await expect.poll(() => state(page).textContent(), { timeout: 30_000 }).toBe("1 problem");
    const problem = page.getByRole("list", { name: "Problems" }).getByRole("listitem");
    expect(await problem.textContent()).toMatch(/Line 10\s+tasks\[1\]\.depends_on\[0\]: .*extrct/);
    expect(await page.locator(".cm-line").nth(9).locator(".cm-lintRange-error").count()).toBe(1);
    expect(await page.locator(".cm-line").nth(8).locator(".cm-lintRange-error").count()).toBe(0);
    expect(await page.getByRole("button", { name: "Push", exact: true }).isDisabled()).toBe(true);
    await screenshot(page, "editor-desktop-problem");

    // Fixed (and the load URL changed): no problems, the changes against v1 show inline, the push summary says v2.
    await replaceText(page, spec(team.slug, "extract", "https://tools.example.com/load-v2"));
    await expect.poll(() => state(page).textContent(), { timeout: 30_000 }).toBe("No problems");
    await page.getByRole("button", { name: "Show changes" }).click();
    await page.locator(".cm-deletedChunk").first().waitFor();
    expect(await page.getByText("Makes v2 of orders_daily.").count()).toBe(1);
    expect(await page.getByText("task load: with.url").count()).toBe(1);
    await screenshot(page, "editor-desktop-valid");

    // Push: CI maintains it, so the editor asks first; the new version is marked as authored in the UI.
    await page.getByRole("button", { name: "Push", exact: true }).click();
    await page.getByRole("button", { name: "Push anyway" }).click();
    await page.waitForURL("**/pipelines/orders_daily?tab=spec");
    const facts = page.locator("dl.facts");
    await facts.getByText("Authored in the UI").waitFor();
    expect(await facts.textContent()).toContain("v2");
    // The Spec tab says it of the version, with who pushed it.
    await page.getByRole("tabpanel").getByText("Authored in the UI", { exact: true }).waitFor();
    await screenshot(page, "editor-desktop-pushed");
    const versions = (await (await context.request.get("/api/v1/pipelines/orders_daily/versions")).json()).items;
    expect(versions.map((v: { number: number; origin: string }) => [v.number, v.origin])).toEqual([
      [2, "ui"],
      [1, "ci"],
    ]);
    expect(b.pageErrors).toEqual([]);
  });

  it("starts a new pipeline from a template on a phone, marks the connection to replace, and fits the screen", async () => {
    const { page, context } = b;
    await signupViaApi(context);
    await page.setViewportSize(PHONE);
    await page.goto("/pipelines");
    await page.getByRole("link", { name: "New pipeline" }).click();
    await page.getByRole("heading", { name: "New pipeline from template" }).waitFor();
    await screenshot(page, "editor-phone-templates");
    await page.getByRole("link", { name: /dbt Slim CI/ }).click();
    await page.waitForURL("**/pipelines/-/new?template=dbt-slim-ci");
    // The template names a connection `dbt` the new workspace does not have: line 11 says so.
    await expect.poll(() => state(page).textContent(), { timeout: 30_000 }).toBe("1 problem");
    expect(await page.getByRole("list", { name: "Problems" }).textContent()).toMatch(
      /Line 11\s+tasks\[0\]\.connection: team ".+" has no connection named "dbt"/,
    );
    expect(await page.locator(".cm-line").nth(10).locator(".cm-lintRange-error").count()).toBe(1);
    // The graph draws the task as written even while the API reports a problem.
    await page
      .locator(".side")
      .getByRole("button", { name: /^Task build_modified,/ })
      .waitFor();
    // Typing works on a phone: the connection renamed, the API checks again and names the new one.
    await page.locator(".cm-line").nth(10).click();
    await page.keyboard.press("End");
    await page.keyboard.type("_prod");
    await expect.poll(() => page.getByRole("list", { name: "Problems" }).textContent(), { timeout: 30_000 }).toContain('no connection named "dbt_prod"');
    const width = await page.evaluate(
      () => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth,
    );
    expect(width).toBeLessThanOrEqual(PHONE.width);
    await screenshot(page, "editor-phone-editing");
    expect(b.pageErrors).toEqual([]);
  });
});
