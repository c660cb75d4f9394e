/** A design token's value from app.css, for what cannot read CSS variables itself (the charts' canvas). */
export function cssToken(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}
