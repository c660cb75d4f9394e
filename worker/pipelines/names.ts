/**
 * The name rules of specs, as plain patterns without zod, so the CLI and the dashboard can check names without
 * bundling the schema library. spec.ts builds its schemas from them.
 */

/** Pipeline names appear in URLs (`/pipelines/{name}`) and in `after:` triggers, so they stay URL-safe. */
export const pipelineNamePattern = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const teamSlugPattern = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;
