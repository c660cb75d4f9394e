import { describe, expect, it } from "vitest";
import { layoutDag } from "../../../web/src/lib/dag-layout";
import { MIN_LABEL_PX, clampView, edgePath, fitZoom, initialView, panIntoView, readableZoom, truncateToWidth, zoomAt } from "../../../web/src/lib/graph-view";

const desktop = { width: 1000, height: 500 };
const phone = { width: 340, height: 400 };
const minZoom = readableZoom(12);

describe("graph view: the zoom a graph opens at", () => {
  it("a zoom of readableZoom(font) draws that font at the minimum label size", () => {
    expect(12 * readableZoom(12)).toBeCloseTo(MIN_LABEL_PX, 10);
  });

  it("shows a small graph whole, centred and never enlarged past 1", () => {
    const view = initialView({ content: { width: 480, height: 76 }, box: desktop, minZoom });
    expect(view.zoom).toBe(1);
    expect(view.x).toBe((1000 - 480) / 2);
    expect(view.y).toBe((500 - 76) / 2);
  });

  it("shrinks a graph to fit when its labels stay readable", () => {
    const view = initialView({ content: { width: 1050, height: 200 }, box: desktop, minZoom });
    expect(view.zoom).toBeCloseTo((1000 - 32) / 1050, 10);
    expect(view.zoom).toBeGreaterThanOrEqual(minZoom);
    expect(view.x + 1050 * view.zoom).toBeLessThanOrEqual(1000);
  });

  it("keeps labels readable for a graph too big to fit, centring on the focused node as far as the edges allow", () => {
    const content = { width: 2000, height: 800 };
    const middle = { x: 900, y: 370, width: 200, height: 60 };
    const view = initialView({ content, box: desktop, minZoom, focus: middle });
    expect(view.zoom).toBe(minZoom);
    // The node's centre is the box's centre.
    expect(view.x + (middle.x + 100) * view.zoom).toBeCloseTo(500, 6);
    expect(view.y + (middle.y + 30) * view.zoom).toBeCloseTo(250, 6);
    // The first node, at the top-left corner, cannot be centred without showing empty space: the drawing's corner
    // is held at the padding instead.
    const first = initialView({ content, box: phone, minZoom, focus: { x: 8, y: 8, width: 200, height: 60 } });
    expect(first).toEqual({ zoom: minZoom, x: 16, y: 16 });
  });

  it("a phone opens a 12-task pipeline at the readable zoom on its first task", () => {
    const tasks = ["extract", "stage", "model", "publish"].flatMap((stage, s) =>
      [0, 1, 2].map((i) => ({ id: `${stage}_${i}`, depends_on: s ? [`${["extract", "stage", "model"][s - 1]}_${i}`] : [] })),
    );
    const layout = layoutDag(tasks);
    const first = layout.nodes.find((n) => n.id === "extract_0")!;
    const view = initialView({ content: layout, box: phone, minZoom, focus: { ...first, width: 200, height: 60 } });
    expect(view.zoom).toBeGreaterThanOrEqual(minZoom);
    const left = view.x + first.x * view.zoom;
    expect(left).toBeGreaterThanOrEqual(0);
    expect(left + 200 * view.zoom).toBeLessThanOrEqual(phone.width);
  });
});

describe("graph view: panning and zooming", () => {
  const content = { width: 2000, height: 800 };

  it("zooms around the pointer: the content under it stays put", () => {
    const view = { x: -100, y: 20, zoom: 1 };
    const at = { x: 300, y: 200 };
    const next = zoomAt(view, 1.25, at, { min: 0.2, max: 2 });
    expect(next.zoom).toBe(1.25);
    const before = { x: (at.x - view.x) / view.zoom, y: (at.y - view.y) / view.zoom };
    expect((at.x - next.x) / next.zoom).toBeCloseTo(before.x, 10);
    expect((at.y - next.y) / next.zoom).toBeCloseTo(before.y, 10);
    expect(zoomAt(view, 100, at, { min: 0.2, max: 2 }).zoom).toBe(2);
    expect(zoomAt(view, 0.001, at, { min: 0.2, max: 2 }).zoom).toBe(0.2);
  });

  it("never pans the drawing out of its box, and centres a drawing smaller than the box", () => {
    expect(clampView({ x: 5000, y: -5000, zoom: 1 }, content, desktop)).toEqual({ zoom: 1, x: 16, y: 500 - 16 - 800 });
    expect(clampView({ x: -5000, y: 0, zoom: 1 }, content, desktop).x).toBe(1000 - 16 - 2000);
    expect(clampView({ x: 0, y: 0, zoom: 0.1 }, content, desktop)).toEqual({ zoom: 0.1, x: 400, y: 210 });
  });

  it("fits the whole drawing when asked, whatever the labels' size", () => {
    expect(fitZoom(content, desktop)).toBeCloseTo(Math.min(968 / 2000, 468 / 800), 10);
    expect(fitZoom({ width: 10, height: 10 }, desktop)).toBe(1);
  });

  it("brings a focused node into view with the smallest pan, and leaves a visible one alone", () => {
    const view = { x: 0, y: 0, zoom: 1 };
    const visible = { x: 100, y: 100, width: 200, height: 60 };
    expect(panIntoView(view, visible, desktop)).toEqual(view);
    const right = panIntoView(view, { x: 1500, y: 100, width: 200, height: 60 }, desktop);
    expect(right).toEqual({ zoom: 1, x: 1000 - 16 - 1700, y: 0 });
    const above = panIntoView({ x: 0, y: -300, zoom: 1 }, visible, desktop);
    expect(above.y).toBe(16 - 100);
  });
});

describe("graph view: edges and labels", () => {
  const a = { x: 8, y: 8, width: 200, height: 60 };
  const b = { x: 272, y: 100, width: 200, height: 60 };

  it("runs an edge from the source's outgoing side to the target's incoming side", () => {
    expect(edgePath(a, b, [], "LR")).toBe("M208,38 C240,38 240,130 272,130");
    expect(edgePath({ ...a, x: 8, y: 8 }, { ...b, x: 8, y: 132 }, [], "TB")).toBe("M108,68 C108,100 108,100 108,132");
  });

  it("routes an edge that skips a layer through its lane in that layer, straight across it", () => {
    const layout = layoutDag([
      { id: "a", depends_on: [] },
      { id: "b", depends_on: ["a"] },
      { id: "c", depends_on: ["a", "b"] },
    ]);
    const skip = layout.edges.find((e) => e.id === "a->c")!;
    const at = Object.fromEntries(layout.nodes.map((n) => [n.id, n]));
    expect(skip.points).toHaveLength(2);
    const [enter, leave] = skip.points;
    expect(enter.x).toBe(at.b.x);
    expect(leave.x).toBe(at.b.x + 200);
    expect(enter.y).toBe(leave.y);
    // The lane passes beside task b, not through it.
    expect(enter.y < at.b.y || enter.y > at.b.y + 60).toBe(true);
    const d = edgePath({ ...at.a, width: 200, height: 60 }, { ...at.c, width: 200, height: 60 }, skip.points, "LR");
    expect(d).toContain(` L${leave.x},${leave.y} C`);
    expect(layout.edges.find((e) => e.id === "a->b")!.points).toEqual([]);
  });

  it("cuts a label that does not fit to its longest start with an ellipsis, and keeps one that fits", () => {
    const width = (s: string) => [...s].length * 8;
    expect(truncateToWidth("load_orders", 200, width)).toBe("load_orders");
    const cut = truncateToWidth("load_the_orders_from_the_warehouse", 100, width);
    expect(cut).toBe("load_the_or…");
    expect(width(cut)).toBeLessThanOrEqual(100);
    expect(width(truncateToWidth("load_the_orders_from_the_warehouse", 101, width))).toBeLessThanOrEqual(101);
    expect(truncateToWidth("abc", 4, width)).toBe("…");
  });
});
