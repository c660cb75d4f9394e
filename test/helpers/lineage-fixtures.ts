/// <reference types="vite/client" />
/**
 * The shared OpenLineage and dbt fixtures (../shared/fixtures, beside the checkout), loaded as raw text so tests
 * post exactly the bytes producers wrote. Keys are paths relative to the fixtures folder.
 */
const raw = import.meta.glob("../../../shared/fixtures/openlineage/**/*.json", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const dbtRaw = import.meta.glob("../../../shared/fixtures/dbt/**/*.json", { query: "?raw", import: "default", eager: true }) as Record<string, string>;

const strip = (path: string) => path.replace(/^.*\/shared\/fixtures\//, "");

export const openLineageFixtures: Record<string, string> = Object.fromEntries(Object.entries(raw).map(([k, v]) => [strip(k), v]));
export const dbtFixtures: Record<string, string> = Object.fromEntries(Object.entries(dbtRaw).map(([k, v]) => [strip(k), v]));

/** Complete events that must be accepted: everything outside incomplete/. */
export const acceptedEventFiles = Object.keys(openLineageFixtures)
  .filter((k) => !k.includes("/incomplete/"))
  .sort();

/** Partial events from producers' test suites that must be rejected. */
export const incompleteEventFiles = Object.keys(openLineageFixtures)
  .filter((k) => k.includes("/incomplete/"))
  .sort();

export const appleFiles = acceptedEventFiles.filter((k) => k.startsWith("openlineage/apples/"));

export function dbtFixture(path: string): string {
  const text = dbtFixtures[`dbt/${path}`];
  if (text === undefined) throw new Error(`no dbt fixture ${path}; have ${Object.keys(dbtFixtures).join(", ")}`);
  return text;
}
