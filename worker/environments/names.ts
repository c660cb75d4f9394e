/** The environment production schedules, triggers and reliability figures use; every other one is for CI or development. */
export const PROD = "prod";

export const ENVIRONMENT_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/** The team connection an environment runs a spec's `connection:` against (unbound names resolve to themselves). */
export function boundName(bindings: Record<string, string> | null | undefined, specName: string): string {
  return bindings?.[specName] ?? specName;
}
