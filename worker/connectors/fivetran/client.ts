import { toBase64, utf8 } from "../../lib/encoding";
import { ConnectorError } from "../http-errors";
import { originOf } from "../../lib/urls";
import { expectOk, field, joinUrl, toolRequest } from "../tool-http";
import type { FivetranConfig } from "./schema";
import { fivetranErrorMessage } from "./status";

export const TOOL = "Fivetran";

interface Ctx {
  config: FivetranConfig;
  secrets: Record<string, string>;
  fetch: typeof fetch;
}

/** Fivetran REST API v1 with Basic auth and the version-2 response format. */
export function fivetranClient(ctx: Ctx) {
  const { api_key: key, api_secret: secret } = ctx.secrets;
  if (!key || !secret) throw new ConnectorError({ kind: "invalid_config", message: "the Fivetran connection needs api_key and api_secret" });
  const headers = { authorization: `Basic ${toBase64(utf8(`${key}:${secret}`))}`, accept: "application/json;version=2" };
  const origin = originOf(ctx.config.base_url)!;
  const call = async (method: string, path: string, json?: unknown) =>
    expectOk(TOOL, await toolRequest(ctx.fetch, TOOL, { method, origin, url: joinUrl(ctx.config.base_url, path), headers, json }), fivetranErrorMessage);
  const enc = encodeURIComponent;
  return {
    async accountInfo() {
      return field((await call("GET", "/v1/account/info")).json, "data");
    },
    async getConnection(id: string) {
      return field((await call("GET", `/v1/connections/${enc(id)}`)).json, "data");
    },
    /** `force: false` starts a sync only if none runs; Fivetran answers without a sync id. */
    async sync(id: string, force: boolean) {
      await call("POST", `/v1/connections/${enc(id)}/sync`, { force });
    },
    /** 409 means a sync is running; that passes, so it is a retryable tool failure, not a config error. */
    async resync(id: string, scope: Record<string, string[]> | undefined) {
      const r = await toolRequest(ctx.fetch, TOOL, {
        method: "POST",
        origin,
        url: joinUrl(ctx.config.base_url, `/v1/connections/${enc(id)}/resync`),
        headers,
        json: scope ? { scope } : {},
      });
      if (r.status === 409)
        throw new ConnectorError({ kind: "tool_failure", message: `Fivetran cannot re-sync now: ${fivetranErrorMessage(r.json) ?? "a sync is in progress"}` });
      expectOk(TOOL, r, fivetranErrorMessage);
    },
  };
}
