/**
 * A fixture glob that matched nothing means the fixtures moved or were not checked out; tests generated from it
 * would silently become zero tests, so it fails loudly instead.
 */
export function nonEmpty(what: string, files: Record<string, unknown>): Record<string, string> {
  const entries = Object.entries(files);
  if (entries.length === 0) throw new Error(`no ${what} fixtures found under test/fixtures/${what}: the folder is missing or empty`);
  return files as Record<string, string>;
}
