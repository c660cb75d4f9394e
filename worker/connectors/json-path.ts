/**
 * The small JSONPath subset status checks need: `$.a.b`, `$.items[0].state`, `$['odd key']`.
 * Returns undefined when any step is missing.
 */
export function readPath(value: unknown, path: string): unknown {
  const steps = parsePath(path);
  let current: unknown = value;
  for (const step of steps) {
    if (current === null || current === undefined) return undefined;
    if (typeof step === "number") {
      if (!Array.isArray(current)) return undefined;
      current = current[step < 0 ? current.length + step : step];
    } else {
      if (typeof current !== "object") return undefined;
      current = (current as Record<string, unknown>)[step];
    }
  }
  return current;
}

export function parsePath(path: string): Array<string | number> {
  const text = path.trim();
  if (!text.startsWith("$")) throw new Error(`path must start with "$": ${path}`);
  const steps: Array<string | number> = [];
  const re = /\.([A-Za-z_$][\w$-]*)|\[(-?\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/y;
  re.lastIndex = 1;
  while (re.lastIndex < text.length) {
    const start = re.lastIndex;
    const m = re.exec(text);
    if (!m) throw new Error(`cannot read path at position ${start}: ${path}`);
    steps.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (m[3] ?? m[4])));
  }
  return steps;
}

export function isValidPath(path: string): boolean {
  try {
    parsePath(path);
    return true;
  } catch {
    return false;
  }
}
