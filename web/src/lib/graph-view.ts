/**
 * Geometry of the SVG graph view (GraphCanvas): which zoom and offset a graph opens at, zooming around a point,
 * keeping the drawing in its box while panning, bringing a focused node into view, edge paths and label
 * truncation. Pure, so the choices are unit-tested without a browser.
 *
 * A view maps content coordinates to the box's: screen = content × zoom + offset.
 */
import type { Point } from "./dag-layout";

export interface View {
  x: number;
  y: number;
  zoom: number;
}

export interface Size {
  width: number;
  height: number;
}

export interface Rect extends Point, Size {}

/** The smallest size a label may render at when a graph opens (issue 19). */
export const MIN_LABEL_PX = 11;
/** Room kept between the drawing and the box's edges. */
export const VIEW_PADDING = 16;

/** The zoom at which the smallest font, `fontPx` in content units, renders at `minPx` screen pixels. */
export function readableZoom(fontPx: number, minPx = MIN_LABEL_PX): number {
  return minPx / fontPx;
}

/** The zoom that shows all of `content` in `box` (with padding), never above `maxZoom`. */
export function fitZoom(content: Size, box: Size, maxZoom = 1, padding = VIEW_PADDING): number {
  const zoom = Math.min((box.width - 2 * padding) / content.width, (box.height - 2 * padding) / content.height);
  return Math.max(Math.min(zoom, maxZoom), 0.01);
}

/**
 * Keeps the drawing where people can find it: along each axis, a drawing smaller than the box is centred; a
 * larger one may be panned only until its edge (plus padding) meets the box's edge, so no pan or zoom loses it.
 */
export function clampView(view: View, content: Size, box: Size, padding = VIEW_PADDING): View {
  const axis = (offset: number, contentLength: number, boxLength: number) => {
    const drawn = contentLength * view.zoom;
    if (drawn + 2 * padding <= boxLength) return (boxLength - drawn) / 2;
    return Math.min(padding, Math.max(boxLength - padding - drawn, offset));
  };
  return { zoom: view.zoom, x: axis(view.x, content.width, box.width), y: axis(view.y, content.height, box.height) };
}

/** The view with `rect` (content coordinates) at the box's centre, at `zoom`, then clamped. */
export function centreOn(rect: Rect, zoom: number, content: Size, box: Size, padding = VIEW_PADDING): View {
  const x = box.width / 2 - (rect.x + rect.width / 2) * zoom;
  const y = box.height / 2 - (rect.y + rect.height / 2) * zoom;
  return clampView({ x, y, zoom }, content, box, padding);
}

/**
 * The view a graph opens at: the whole graph when that keeps labels readable (zoom ≥ `minZoom`, never above
 * `maxZoom`); otherwise `minZoom`, centred on `focus` (the selection, else the first node) as far as the
 * drawing's edges allow, and people pan to the rest.
 */
export function initialView({
  content,
  box,
  minZoom,
  maxZoom = 1,
  focus,
  padding = VIEW_PADDING,
}: {
  content: Size;
  box: Size;
  minZoom: number;
  maxZoom?: number;
  focus?: Rect;
  padding?: number;
}): View {
  const fit = fitZoom(content, box, maxZoom, padding);
  if (fit >= minZoom) return centreOn({ x: 0, y: 0, ...content }, fit, content, box, padding);
  return centreOn(focus ?? { x: 0, y: 0, ...content }, minZoom, content, box, padding);
}

/** Zooms by `factor` keeping the content under `at` (box coordinates) where it is; zoom stays within the bounds. */
export function zoomAt(view: View, factor: number, at: Point, bounds: { min: number; max: number }): View {
  const zoom = Math.min(bounds.max, Math.max(bounds.min, view.zoom * factor));
  const scale = zoom / view.zoom;
  return { zoom, x: at.x - (at.x - view.x) * scale, y: at.y - (at.y - view.y) * scale };
}

/** The smallest pan that brings `rect` (content coordinates) wholly into the box, `margin` from its edges. */
export function panIntoView(view: View, rect: Rect, box: Size, margin = VIEW_PADDING): View {
  const axis = (offset: number, start: number, length: number, boxLength: number) => {
    const low = start * view.zoom + offset;
    const high = low + length * view.zoom;
    if (high - low + 2 * margin > boxLength) return offset + (boxLength / 2 - (low + high) / 2);
    if (low < margin) return offset + (margin - low);
    if (high > boxLength - margin) return offset - (high - (boxLength - margin));
    return offset;
  };
  return { zoom: view.zoom, x: axis(view.x, rect.x, rect.width, box.width), y: axis(view.y, rect.y, rect.height, box.height) };
}

/**
 * The SVG path of an edge from the middle of the source's outgoing side to the middle of the target's incoming
 * side (right → left when laid out left to right, bottom → top when top to bottom), through `via`: the layout's
 * waypoints, two per layer crossed. Gaps between layers are crossed with an S-curve leaving and arriving
 * square to the layers; inside a layer the lane runs straight.
 */
export function edgePath(source: Rect, target: Rect, via: Point[], direction: "LR" | "TB"): string {
  const lr = direction === "LR";
  const start = lr ? { x: source.x + source.width, y: source.y + source.height / 2 } : { x: source.x + source.width / 2, y: source.y + source.height };
  const end = lr ? { x: target.x, y: target.y + target.height / 2 } : { x: target.x + target.width / 2, y: target.y };
  const points = [start, ...via, end];
  const n = (v: number) => Math.round(v * 10) / 10;
  let d = `M${n(start.x)},${n(start.y)}`;
  for (let i = 1; i < points.length; i++) {
    const [a, b] = [points[i - 1], points[i]];
    if (i % 2 === 0) {
      d += ` L${n(b.x)},${n(b.y)}`;
      continue;
    }
    const mid = lr ? (a.x + b.x) / 2 : (a.y + b.y) / 2;
    d += lr ? ` C${n(mid)},${n(a.y)} ${n(mid)},${n(b.y)} ${n(b.x)},${n(b.y)}` : ` C${n(a.x)},${n(mid)} ${n(b.x)},${n(mid)} ${n(b.x)},${n(b.y)}`;
  }
  return d;
}

/**
 * The longest start of `text` that, with an ellipsis, fits in `maxWidth` as `measure` reports widths; the text
 * itself when it fits. Binary search, so a long label costs a handful of measurements.
 */
export function truncateToWidth(text: string, maxWidth: number, measure: (s: string) => number): string {
  if (measure(text) <= maxWidth) return text;
  const chars = [...text];
  let low = 0;
  let high = chars.length - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (measure(`${chars.slice(0, mid).join("")}…`) <= maxWidth) low = mid;
    else high = mid - 1;
  }
  return `${chars.slice(0, low).join("")}…`;
}
