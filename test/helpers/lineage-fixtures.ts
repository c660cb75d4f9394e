/// <reference types="vite/client" />
import { nonEmpty } from "./fixture-glob";

/**
 * The real OpenLineage and dbt fixtures (test/fixtures, origins in test/fixtures/SOURCES.md), loaded as raw text so
 * tests post exactly the bytes producers wrote. Keys are paths relative to the fixtures folder.
 */
const raw = nonEmpty("openlineage", import.meta.glob("../fixtures/openlineage/**/*.json", { query: "?raw", import: "default", eager: true }));
const dbtRaw = nonEmpty("dbt", import.meta.glob("../fixtures/dbt/**/*.json", { query: "?raw", import: "default", eager: true }));

const strip = (path: string) => path.replace(/^.*\/fixtures\//, "");

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
