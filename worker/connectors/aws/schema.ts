import { z } from "@hono/zod-openapi";
import { HttpUrl } from "../../lib/urls";

/** Cost Explorer has one endpoint for the commercial partition (CONTRACTS-2 §4): requests are signed for us-east-1. */
export const COST_EXPLORER_URL = "https://ce.us-east-1.amazonaws.com";
/** Hosts accepted for `cost_explorer_url` outside local development: AWS's own endpoints (the China partition included). */
export const AWS_API_HOST = /(^|\.)amazonaws\.com(\.cn)?$/;

export const AwsConfig = z.strictObject({
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "an AWS region such as us-east-1")
    .default("us-east-1")
    .meta({ description: "Region the Cost Explorer requests are signed for (us-east-1 for every commercial account)" }),
  cost_explorer_url: HttpUrl.default(COST_EXPLORER_URL).meta({
    description: "Cost Explorer endpoint. Outside local development only an amazonaws.com host",
  }),
});
export type AwsConfig = z.output<typeof AwsConfig>;

/** The `aws` connection kind: an IAM access key that may read Cost Explorer; no tasks run through it. */
export const awsConnectionKind = {
  kind: "aws",
  title: "AWS (Cost Explorer)",
  configSchema: AwsConfig,
  secretFields: ["access_key_id", "secret_access_key"],
  optionalSecretFields: ["session_token"],
  hostFields: { config: ["cost_explorer_url"], secrets: [] },
  destinationHosts: { pattern: AWS_API_HOST, description: "an amazonaws.com host (AWS's own Cost Explorer endpoint)" },
  inboundSecretFields: [],
} as const;
