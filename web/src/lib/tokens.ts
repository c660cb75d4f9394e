import type { ApiToken, TokenScope } from "./api/types";

/** What each scope lets a token do, shown next to the checkbox when creating one. */
export const scopeHelp: Record<TokenScope, string> = {
  read: "Read pipelines, runs, lineage, products and costs of the team",
  "pipelines:write": "Push pipeline and product specs (tutti push)",
  "runs:write": "Start, cancel and retry runs (tutti run)",
  "lineage:write": "Send OpenLineage events and dbt artifacts",
  "metadata:write": "Report cost, usage and quality results",
};

/** Scopes a CI job usually needs to push specs and run pipelines. */
export const defaultScopes: TokenScope[] = ["read", "pipelines:write", "runs:write"];

export type TokenStatus = "active" | "expired" | "revoked";

export function tokenStatus(token: Pick<ApiToken, "revoked_at" | "expires_at">, now: number = Date.now()): TokenStatus {
  if (token.revoked_at) return "revoked";
  if (token.expires_at && Date.parse(token.expires_at) <= now) return "expired";
  return "active";
}
