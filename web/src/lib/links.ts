/**
 * Links whose address comes from outside the dashboard (a tool's run page, a callback's external_url, a data product's
 * consumer link) go through here: only an absolute http(s) URL becomes an href. Anything else — `javascript:`,
 * `data:`, a relative path — is not rendered as a link, so a tool or a user cannot put a script behind a click.
 */
export function externalHref(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}
