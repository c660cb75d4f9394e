import { ScimError } from "./errors";

/**
 * The filters SCIM clients send for lookups (RFC 7644 §3.4.2.2): one `attribute eq "value"` comparison, which is
 * what Okta (`userName eq`), Entra ID (`userName eq`, `externalId eq`, `displayName eq`) and others use before a
 * create. Attribute names are case-insensitive. Anything else is a 400 `invalidFilter` naming what is supported,
 * rather than a guess.
 */
export interface EqFilter {
  attribute: string;
  value: string;
}

const EQ = /^\s*([A-Za-z][\w.:-]*(?:\[type eq "work"\]\.value)?)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i;

export function parseFilter(filter: string | undefined, supported: Record<string, string>): EqFilter | null {
  if (filter === undefined || filter.trim() === "") return null;
  const m = EQ.exec(filter);
  const attribute = m ? supported[m[1].toLowerCase()] : undefined;
  if (!m || !attribute)
    throw new ScimError(
      400,
      `unsupported filter; use one of: ${Object.keys(supported)
        .map((a) => `${a} eq "…"`)
        .join(", ")}`,
      "invalidFilter",
    );
  return { attribute, value: JSON.parse(`"${m[2]}"`) as string };
}

/** `startIndex` (1-based) and `count` as RFC 7644 §3.4.2.4 reads them: bad values are clamped, not refused. */
export function pageOf(query: { startIndex?: string; count?: string }, max = 200) {
  const start = Math.max(1, Math.floor(Number(query.startIndex ?? 1)) || 1);
  const rawCount = query.count === undefined ? max : Math.floor(Number(query.count));
  const count = Number.isFinite(rawCount) ? Math.min(Math.max(0, rawCount), max) : max;
  return { startIndex: start, count, offset: start - 1 };
}
