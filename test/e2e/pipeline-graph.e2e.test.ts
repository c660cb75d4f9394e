import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { screenshot, useBrowser } from "./helpers/browser";
import { setUp, toolTask } from "./helpers/tool-pipelines";

/** The few DOM members the checks below read, typed here because test code is compiled without the DOM library. */
interface SvgText {
  textContent: string | null;
  getScreenCTM(): { a: number } | null;
  getBBox(): { x: number; width: number };
}
interface PageGlobals {
  innerWidth: number;
  document: { documentElement: { scrollWidth: number } };
  getComputedStyle(el: unknown): { fontSize: string; fill: string; backgroundColor: string };
}

const LONG_ID = "load_orders_from_the_regional_warehouse_replica_eu_west";
/** 13 tasks in 5 layers, too wide for a phone at a readable zoom; one id far longer than a box; one edge skips layers. */
const TASKS = [
  ...["orders", "customers", "payments"].map((s) => ({ id: `extract_${s}`, depends_on: [] })),
  ...["orders", "customers", "payments"].map((s) => ({ id: `stage_${s}`, depends_on: [`extract_${s}`] })),
  { id: LONG_ID, depends_on: ["stage_orders"] },
  { id: "model_customers", depends_on: ["stage_customers"] },
  { id: "model_payments", depends_on: ["stage_payments"] },
  { id: "revenue_mart", depends_on: [LONG_ID, "model_payments", "extract_orders"] },
  { id: "customer_mart", depends_on: ["model_customers"] },
  { id: "publish", depends_on: ["revenue_mart", "customer_mart"] },
  { id: "notify", depends_on: ["publish"] },
];

/** Each drawn label's font size on screen: its computed size times the zoom the SVG is drawn at. */
function renderedLabelSizes(graph: Locator) {
  return graph.locator("[data-task] text").evaluateAll((texts) => {
    const { getComputedStyle } = globalThis as unknown as PageGlobals;
    return (texts as unknown as SvgText[]).map((t) => ({
      text: t.textContent,
      px: Number.parseFloat(getComputedStyle(t).fontSize) * (t.getScreenCTM()?.a ?? 0),
    }));
  });
}

/** Per task: the title as drawn, its tooltip, and whether the drawn title ends inside its box. */
function titles(graph: Locator) {
  return graph.locator("[data-task]").evaluateAll((nodes) =>
    (nodes as unknown as Array<{ dataset: { task: string }; querySelector(s: string): SvgText }>).map((node) => {
      const title = node.querySelector("text.title");
      const box = node.querySelector("rect.card").getBBox();
      const drawn = title.getBBox();
      return {
        task: node.dataset.task,
        drawn: title.textContent ?? "",
        tooltip: node.querySelector("title").textContent ?? "",
        inside: drawn.x >= box.x && drawn.x + drawn.width <= box.x + box.width,
      };
    }),
  );
}

async function checkGraph(page: Page) {
  const graph = page.getByRole("figure", { name: /Pipeline graph/ });
  await expect.poll(() => graph.locator("[data-task]").count()).toBe(TASKS.length);
  expect(await graph.locator("[data-edge]").count()).toBe(TASKS.reduce((n, t) => n + t.depends_on.length, 0));

  // Readable as it opens: no label drawn under 11 px.
  const sizes = await renderedLabelSizes(graph);
  expect(sizes.length).toBeGreaterThanOrEqual(2 * TASKS.length);
  for (const s of sizes) expect(s.px, `"${s.text}"`).toBeGreaterThanOrEqual(11 - 1e-6);

  // Every title is drawn whole inside its box, or cut inside it with the whole id in its tooltip.
  const drawn = await titles(graph);
  for (const t of drawn) {
    expect(t.inside, t.task).toBe(true);
    if (t.drawn !== t.task) {
      expect(t.drawn.endsWith("…"), t.task).toBe(true);
      expect(t.task.startsWith(t.drawn.slice(0, -1)), t.task).toBe(true);
      expect(t.tooltip, t.task).toContain(t.task);
    }
  }
  expect(drawn.find((t) => t.task === LONG_ID)?.drawn).not.toBe(LONG_ID);

  // The legend names every colour a task is drawn in.
  const legend = page.getByRole("list", { name: "Graph legend" });
  expect(await legend.innerText()).toContain("Not run yet");
  const swatches = new Set(
    await legend.locator(".swatch").evaluateAll((els) => els.map((el) => (globalThis as unknown as PageGlobals).getComputedStyle(el).backgroundColor)),
  );
  const fills = await graph
    .locator("[data-task] rect.bar")
    .evaluateAll((els) => els.map((el) => (globalThis as unknown as PageGlobals).getComputedStyle(el).fill));
  for (const fill of fills) expect(swatches).toContain(fill);

  // Nothing sticks out of the page sideways: the graph pans inside its box.
  const widths = await page.evaluate(() => {
    const { document, innerWidth } = globalThis as unknown as PageGlobals;
    return { scroll: document.documentElement.scrollWidth, viewport: innerWidth };
  });
  expect(widths.scroll).toBeLessThanOrEqual(widths.viewport);
  return graph;
}

describe("the pipeline graph", () => {
  const b = useBrowser();

  it("opens readable on a desktop and a phone, with whole or tooltipped titles and a legend, and pans, zooms and selects", async () => {
    const { page, context } = b;
    // The pipeline is never run here: the tool's address only has to be a valid URL.
    const { team, push } = await setUp(context, "https://tool.example.com");
    await push({ name: "wide_graph", team: team.slug, tasks: TASKS.map((t) => toolTask(t.id, t.depends_on)) });

    await page.goto("/pipelines/wide_graph");
    const graph = await checkGraph(page);
    await screenshot(page, "pipeline-graph-desktop");

    // Keyboard: a task takes focus and Enter selects it, highlighting its arrows; the legend then explains that.
    const publish = graph.getByRole("button", { name: /^Task publish,/ });
    await publish.focus();
    await page.keyboard.press("Enter");
    expect(await publish.getAttribute("aria-pressed")).toBe("true");
    expect(await graph.locator("[data-edge].highlight").count()).toBe(3);
    expect(await page.getByRole("list", { name: "Graph legend" }).innerText()).toContain("Selected task");
    await page.keyboard.press("Escape");
    expect(await publish.getAttribute("aria-pressed")).toBe("false");

    // The buttons zoom, and a drag pans.
    const zoom = async () => Number(await graph.locator("g.viewport").getAttribute("data-zoom"));
    const before = await zoom();
    await graph.getByRole("button", { name: "Zoom out" }).click();
    expect(await zoom()).toBeLessThan(before);
    await graph.getByRole("button", { name: "Zoom in" }).click();
    expect(await zoom()).toBeCloseTo(before, 6);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await checkGraph(page);
    await graph.scrollIntoViewIfNeeded();
    await screenshot(page, "pipeline-graph-phone");
    // The task list under the graph breaks the long id rather than running out of its card.
    const list = (await page.locator(".task-list").boundingBox())!;
    const longCode = page.locator(".task-list code", { hasText: LONG_ID });
    const codeBox = (await longCode.boundingBox())!;
    expect(codeBox.x + codeBox.width).toBeLessThanOrEqual(list.x + list.width);
    const codeWidths = await longCode.evaluate((el) => {
      const { scrollWidth, clientWidth } = el as unknown as { scrollWidth: number; clientWidth: number };
      return { scrollWidth, clientWidth };
    });
    expect(codeWidths.scrollWidth, "the id's text runs out of its box").toBeLessThanOrEqual(codeWidths.clientWidth);

    // A phone cannot show it whole readably, so it opens on the first tasks and a drag pans to the rest.
    const notify = graph.locator('[data-task="notify"]');
    const box = (await graph.boundingBox())!;
    expect((await notify.boundingBox())!.x).toBeGreaterThan(box.x + box.width);
    const x0 = (await graph.locator('[data-task="extract_orders"]').boundingBox())!.x;
    await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const x1 = (await graph.locator('[data-task="extract_orders"]').boundingBox())!.x;
    expect(x1).toBeLessThan(x0 - box.width * 0.5);
    // Fit view shows it whole, smaller than readable: a choice people make, not the first view.
    await graph.getByRole("button", { name: "Fit view" }).click();
    const fitted = (await notify.boundingBox())!;
    expect(fitted.x + fitted.width).toBeLessThanOrEqual(box.x + box.width);

    expect(b.pageErrors).toEqual([]);
  });
});
