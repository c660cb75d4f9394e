import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { tenantCtx } from "../../db/client";
import { getSsoConfig, listGroupMappings, listSsoDomains } from "../../db/repo/sso/config";
import { appOrigin } from "../../lib/request";
import { settingsOut } from "./schemas";

/** The settings as every SSO route answers them. */
export async function currentSettings(c: Context<AppEnv>) {
  const p = c.get("principal");
  const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
  const [config, domains, mappings] = await Promise.all([getSsoConfig(ctx), listSsoDomains(ctx), listGroupMappings(ctx)]);
  return settingsOut(config, domains, mappings, appOrigin(c), p.tenantSlug);
}
