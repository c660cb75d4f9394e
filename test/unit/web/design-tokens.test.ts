import { describe, expect, it } from "vitest";

// Every .svelte file of the dashboard, as text (Vite inlines them at build time, so this runs inside workerd too).
const sources = import.meta.glob("../../../web/src/**/*.svelte", { query: "?raw", import: "default", eager: true }) as Record<string, string>;

/** A literal colour: #rgb, #rgba, #rrggbb, #rrggbbaa, or an rgb()/rgba()/hsl()/hsla() call. */
const literalColour = /#(?:[0-9a-f]{8}|[0-9a-f]{6}|[0-9a-f]{3,4})\b|\b(?:rgba?|hsla?)\(/gi;

function colourLiterals(text: string): string[] {
  return text.split("\n").flatMap((line, i) => [...line.matchAll(literalColour)].map((m) => `line ${i + 1}: ${m[0]}`));
}

describe("design tokens", () => {
  it("reads the dashboard's components", () => {
    expect(Object.keys(sources).length).toBeGreaterThan(50);
    expect(Object.keys(sources)).toContain("../../../web/src/lib/components/StatTile.svelte");
  });

  it("no .svelte file writes a colour literally: colours come from the tokens in web/src/app.css", () => {
    const offenders = Object.entries(sources)
      .map(([path, text]) => ({ path: path.replace("../../../", ""), literals: colourLiterals(text) }))
      .filter((f) => f.literals.length > 0);
    expect(offenders).toEqual([]);
  });

  it("recognises the colour literals it guards against, and not a token or a lone #", () => {
    expect(colourLiterals("color: #fff;\nbackground: #1a2b3c80;\nborder-color: rgba(0, 0, 0, 0.1);")).toEqual([
      "line 1: #fff",
      "line 2: #1a2b3c80",
      "line 3: rgba(",
    ]);
    expect(colourLiterals('color: var(--text); <span>#</span> <a href="#main">')).toEqual([]);
  });
});

const appCss = (import.meta.glob("../../../web/src/app.css", { query: "?raw", import: "default", eager: true }) as Record<string, string>)[
  "../../../web/src/app.css"
];

/** The :root colour tokens of app.css that are plain #rrggbb values, by name without the dashes. */
function colourTokens(css: string): Record<string, string> {
  const root = css.slice(css.indexOf(":root {"), css.indexOf("\n}", css.indexOf(":root {")));
  return Object.fromEntries([...root.matchAll(/--([a-z0-9-]+):\s*(#[0-9a-f]{6});/gi)].map((m) => [m[1], m[2].toLowerCase()]));
}

/** WCAG 2 relative luminance and contrast ratio. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

describe("text contrast of the design tokens", () => {
  const tokens = colourTokens(appCss);

  // Every surface body text is written on: the page, cards, table headers and hovered rows, soft chips.
  const lightSurfaces = ["bg", "surface", "surface-muted", "surface-hover", "neutral-soft"];
  const textTokens = ["text", "text-muted", "text-subtle", "accent", "accent-text"];

  it("computes contrast as WCAG does", () => {
    expect(contrast("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrast("#777777", "#ffffff")).toBeCloseTo(4.48, 2);
  });

  it("reads the colour tokens from app.css", () => {
    for (const name of [...lightSurfaces, ...textTokens]) expect(tokens[name], name).toMatch(/^#[0-9a-f]{6}$/);
  });

  it("body, muted and subtle text and links reach 4.5:1 on every light surface", () => {
    const failing = textTokens.flatMap((text) =>
      lightSurfaces.map((surface) => ({ pair: `--${text} on --${surface}`, ratio: contrast(tokens[text], tokens[surface]) })).filter((p) => p.ratio < 4.5),
    );
    expect(failing).toEqual([]);
  });

  it("status text reaches 4.5:1 on its own soft fill and on white (badges, inline states)", () => {
    const failing = ["success", "info", "warning", "danger", "neutral"].flatMap((tone) =>
      [`${tone}-soft`, "surface"]
        .map((surface) => ({ pair: `--${tone} on --${surface}`, ratio: contrast(tokens[tone], tokens[surface]) }))
        .filter((p) => p.ratio < 4.5),
    );
    expect(failing).toEqual([]);
  });

  it("muted text on dark surfaces (toasts, the command box) reaches 4.5:1", () => {
    const failing = ["text-inverse", "text-inverse-soft", "text-inverse-muted"].flatMap((text) =>
      ["surface-inverse", "surface-inverse-deep"]
        .map((surface) => ({ pair: `--${text} on --${surface}`, ratio: contrast(tokens[text], tokens[surface]) }))
        .filter((p) => p.ratio < 4.5),
    );
    expect(failing).toEqual([]);
  });
});
