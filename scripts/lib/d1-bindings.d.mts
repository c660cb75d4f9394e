/** The D1 bindings of wrangler.toml, control database first (d1-bindings.mjs). */
export function d1Bindings(root: string): string[];
