import { z } from "@hono/zod-openapi";
import { HttpUrl } from "../../lib/urls";

/** Microsoft's public-cloud endpoints (CONTRACTS-2 §6c); sovereign clouds have their own hosts. */
export const POWERBI_LOGIN_URL = "https://login.microsoftonline.com";
export const POWERBI_API_URL = "https://api.powerbi.com";
/** Hosts the two URLs may name outside local development: Microsoft's sign-in and Power BI API hosts (sovereign clouds too). */
export const POWERBI_HOSTS = /(^|\.)(microsoftonline\.(com|us)|chinacloudapi\.cn|powerbi\.(com|cn)|powerbigov\.us)$/;

export const PowerBiConfig = z.strictObject({
  azure_tenant_id: z
    .string()
    .regex(/^[A-Za-z0-9.-]{1,100}$/, "the Microsoft Entra tenant id (a GUID) or its domain, e.g. contoso.onmicrosoft.com")
    .meta({ description: "Microsoft Entra tenant the service principal belongs to" }),
  login_url: HttpUrl.default(POWERBI_LOGIN_URL).meta({ description: "Microsoft Entra sign-in origin (the token endpoint is /{tenant}/oauth2/v2.0/token)" }),
  api_url: HttpUrl.default(POWERBI_API_URL).meta({ description: "Power BI REST API origin" }),
});
export type PowerBiConfig = z.output<typeof PowerBiConfig>;

/** The `powerbi` connection kind: a service principal allowed to call Power BI's read-only admin APIs; no tasks run through it. */
export const powerBiConnectionKind = {
  kind: "powerbi",
  title: "Power BI (admin activity events)",
  configSchema: PowerBiConfig,
  secretFields: ["client_id", "client_secret"],
  optionalSecretFields: [],
  hostFields: { config: ["login_url", "api_url"], secrets: [] },
  destinationHosts: { pattern: POWERBI_HOSTS, description: "a Microsoft Entra sign-in or Power BI API host" },
  inboundSecretFields: [],
} as const;
