import { UsageError } from "./io";

export const DEFAULT_URL = "http://localhost:8787";

export interface CliConfig {
  /** Origin of the Tutti deployment, without a trailing slash. */
  url: string;
  token: string;
}

/** TUTTI_URL (default http://localhost:8787) and TUTTI_TOKEN, checked before anything is sent. */
export function loadConfig(env: Record<string, string | undefined>): CliConfig {
  const token = env.TUTTI_TOKEN?.trim();
  if (!token) throw new UsageError("TUTTI_TOKEN is not set: create an API token under Settings → API tokens and export TUTTI_TOKEN=tt_…");
  if (!token.startsWith("tt_")) throw new UsageError("TUTTI_TOKEN does not look like a Tutti API token (tt_…)");
  const raw = env.TUTTI_URL?.trim() || DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`TUTTI_URL is not a URL: ${raw}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`TUTTI_URL must be http(s): ${raw}`);
  return { url: url.toString().replace(/\/+$/, ""), token };
}
