import { AwsV4Signer } from "aws4fetch";
import { ConnectorError } from "../http-errors";
import { originOf } from "../../lib/urls";
import { field, responseError, str, toolRequest } from "../tool-http";
import type { AwsConfig } from "./schema";

/**
 * AWS Cost Explorer GetCostAndUsage (CONTRACTS-2 §4, botocore ce/2017-10-25): JSON 1.1 over POST to the one endpoint,
 * signed with SigV4 (service `ce`) by aws4fetch on WebCrypto. Every page is billed ($0.01), so a caller asks for one
 * window per pass and this follows NextPageToken with the identical request (a changed one is refused by AWS).
 */

export const TOOL = "AWS Cost Explorer";
const TARGET = "AWSInsightsIndexService.GetCostAndUsage";
const CONTENT_TYPE = "application/x-amz-json-1.1";
/** More pages than this for one window means something loops; the pass fails rather than run up the bill. */
const MAX_PAGES = 200;

export interface CostAndUsageRequest {
  TimePeriod: { Start: string; End: string };
  Granularity: "DAILY";
  Metrics: string[];
  GroupBy: Array<{ Type: "DIMENSION" | "TAG" | "COST_CATEGORY"; Key: string }>;
}

export interface MetricValue {
  Amount?: string;
  Unit?: string;
}

/** One ResultsByTime entry as AWS sends it (fields read defensively: nothing in a response is trusted). */
export interface ResultByTime {
  TimePeriod?: { Start?: string; End?: string };
  Groups?: Array<{ Keys?: string[]; Metrics?: Record<string, MetricValue> }>;
  Estimated?: boolean;
}

interface Ctx {
  config: AwsConfig;
  secrets: Record<string, string>;
  fetch: typeof fetch;
}

/** `{"__type": "[ns#]Name", "message"|"Message": …}` → "Name: message" (both casings and both type forms occur). */
export function awsErrorMessage(json: unknown): string | null {
  const type = str(field(json, "__type"));
  const message = str(field(json, "message")) ?? str(field(json, "Message"));
  const name = type ? type.slice(type.lastIndexOf("#") + 1) : null;
  if (!name && !message) return null;
  return [name, message].filter(Boolean).join(": ");
}

async function signedCall(ctx: Ctx, payload: unknown): Promise<unknown> {
  const accessKeyId = ctx.secrets.access_key_id;
  const secretAccessKey = ctx.secrets.secret_access_key;
  if (!accessKeyId || !secretAccessKey)
    throw new ConnectorError({ kind: "invalid_config", message: "the AWS connection needs access_key_id and secret_access_key" });
  const url = new URL("/", ctx.config.cost_explorer_url).toString();
  const body = JSON.stringify(payload);
  // allHeaders: content-type is signed too (aws4fetch leaves it out by default); AWS's SDKs sign it for JSON services.
  const signed = await new AwsV4Signer({
    method: "POST",
    url,
    headers: { "content-type": CONTENT_TYPE, "x-amz-target": TARGET },
    body,
    accessKeyId,
    secretAccessKey,
    sessionToken: ctx.secrets.session_token || undefined,
    service: "ce",
    region: ctx.config.region,
    allHeaders: true,
  }).sign();
  const headers: Record<string, string> = {};
  signed.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const r = await toolRequest(ctx.fetch, TOOL, { method: "POST", origin: originOf(url)!, url, headers, body });
  if (!r.ok) throw new ConnectorError(responseError(TOOL, r, awsErrorMessage(r.json)));
  if (r.json === null || typeof r.json !== "object")
    throw new ConnectorError({ kind: "tool_failure", message: `${TOOL} answered HTTP ${r.status} without a JSON body` });
  return r.json;
}

/** Every ResultsByTime entry of the request, over all its pages (a day may continue on the next page). */
export async function getCostAndUsage(ctx: Ctx, request: CostAndUsageRequest): Promise<{ results: ResultByTime[]; pages: number }> {
  const results: ResultByTime[] = [];
  let token: string | null = null;
  for (let pages = 1; pages <= MAX_PAGES; pages++) {
    const json = await signedCall(ctx, token ? { ...request, NextPageToken: token } : request);
    const page = field(json, "ResultsByTime");
    if (Array.isArray(page)) results.push(...(page as ResultByTime[]));
    token = str(field(json, "NextPageToken"));
    if (!token) return { results, pages };
  }
  throw new ConnectorError({ kind: "tool_failure", message: `${TOOL} returned more than ${MAX_PAGES} pages for one window` });
}
