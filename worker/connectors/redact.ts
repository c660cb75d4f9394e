/**
 * Text a remote server wrote (an error body, a failure message, a network error) ends up in run errors, connection
 * test results and alert delivery errors, where every member can read it. Some servers and proxies echo the request
 * they got, headers included, so before such text is kept it is cut to a bounded length and every credential Tutti
 * sent with the request is taken out.
 */

/** Longest remote text kept in an error message. */
export const MAX_REMOTE_TEXT = 500;
export const REDACTED = "[redacted]";
/** Shorter values are not credentials worth the damage that replacing them everywhere in a message would do. */
const MIN_REDACTED_LENGTH = 6;
/** Headers that never carry a credential; every other header value Tutti sends is treated as one. */
const PLAIN_HEADERS = new Set([
  "accept",
  "content-type",
  "content-length",
  "user-agent",
  "idempotency-key",
  "x-github-api-version",
  "x-snowflake-authorization-token-type",
  // AWS SigV4: the signing time and the operation name (the Authorization header carries the signature).
  "x-amz-date",
  "x-amz-target",
]);

export interface Redactor {
  /** Remembers a value that must never appear in stored text. */
  add(value: string): void;
  /** `text` without any remembered value, as it is otherwise (a stored tool log). */
  redact(text: string): string;
  /** `text` without any remembered value, whitespace collapsed, cut to MAX_REMOTE_TEXT. */
  clean(text: string): string;
}

export function redactor(initial: Iterable<string> = []): Redactor {
  const values = new Set<string>();
  const add = (value: string) => {
    if (value.length < MIN_REDACTED_LENGTH) return;
    values.add(value);
    // The same value as it appears inside an echoed JSON string (a PEM key's newlines, quotes).
    const escaped = JSON.stringify(value).slice(1, -1);
    if (escaped !== value) values.add(escaped);
  };
  for (const value of initial) add(value);
  const redact = (text: string) => {
    let out = text;
    // Longest first, so `Bearer <token>` goes as a whole before `<token>` alone.
    for (const value of [...values].sort((a, b) => b.length - a.length)) out = out.replaceAll(value, REDACTED);
    return out;
  };
  return {
    add,
    redact,
    clean(text) {
      const out = redact(text).replace(/\s+/g, " ").trim();
      return out.length > MAX_REMOTE_TEXT ? `${out.slice(0, MAX_REMOTE_TEXT)}…` : out;
    },
  };
}

/**
 * A fetch that remembers the credential-bearing header values it sends (whole, and the credential after an
 * auth scheme such as `Bearer`), with a redactor that already knows the connection's secret values.
 */
export function watchedFetch(fetchFn: typeof fetch, secrets: Record<string, string>): { fetch: typeof fetch; redactor: Redactor } {
  const r = redactor(Object.values(secrets));
  const watched: typeof fetch = (input, init) => {
    new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined)).forEach((value, name) => {
      if (PLAIN_HEADERS.has(name)) return;
      r.add(value);
      const credential = /^[A-Za-z-]+\s+(\S.*)$/.exec(value)?.[1];
      if (credential) r.add(credential);
    });
    return fetchFn(input, init);
  };
  return { fetch: watched, redactor: r };
}
