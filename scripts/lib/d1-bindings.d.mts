/** The D1 bindings of a wrangler.toml (its path), control database first (d1-bindings.mjs). */
export function d1Bindings(config: string): string[];
