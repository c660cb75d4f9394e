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
