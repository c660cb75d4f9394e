import { z } from "@hono/zod-openapi";
import { HttpUrl } from "../lib/urls";
import { connectors } from "./all";
import { awsConnectionKind } from "./aws/schema";
import { lookerConnectionKind } from "./looker/schema";
import { powerBiConnectionKind } from "./powerbi/schema";
import type { ConnectorDefinition } from "./types";

/** A kind of connection a team can store: its non-secret config, its secret fields, and the connector that uses it. */
export interface ConnectionKind {
  kind: string;
  title: string;
  configSchema: z.ZodType<Record<string, unknown>>;
  secretFields: readonly string[];
  optionalSecretFields: readonly string[];
  /**
   * Where the connection sends its secrets: config fields (`base_url`, a Snowflake account, a webhook `url`) and
   * secret fields whose value is itself the destination (Slack's webhook URL). The one list per kind that
   * lib/destinations.ts checks: https outside local development, and secrets re-entered when one changes.
   */
  hostFields: { config: readonly string[]; secrets: readonly string[] };
  /** Hosts the URL host fields may name outside local development (a tool that lives at known hosts only). */
  destinationHosts?: { pattern: RegExp; description: string };
  /** Secret fields Tutti only checks what others send with (a webhook signing secret); they never leave Tutti. */
  inboundSecretFields: readonly string[];
  // biome-ignore lint/suspicious/noExplicitAny: any connector, whatever its config and input types
  connector?: ConnectorDefinition<any, any>;
}

/** Kinds without a connector: where alerts go, and cloud accounts and BI tools only a collector reads. */
const plainKinds: ConnectionKind[] = [
  {
    kind: "slack",
    title: "Slack incoming webhook",
    configSchema: z.strictObject({ channel_label: z.string().max(80).optional() }),
    secretFields: ["webhook_url"],
    optionalSecretFields: [],
    hostFields: { config: [], secrets: ["webhook_url"] },
    inboundSecretFields: [],
  },
  {
    kind: "webhook",
    title: "Outgoing signed webhook",
    configSchema: z.strictObject({ url: HttpUrl }),
    secretFields: ["signing_secret"],
    optionalSecretFields: [],
    hostFields: { config: ["url"], secrets: [] },
    inboundSecretFields: [],
  },
  {
    ...awsConnectionKind,
    configSchema: awsConnectionKind.configSchema as z.ZodType<Record<string, unknown>>,
    hostFields: { config: [...awsConnectionKind.hostFields.config], secrets: [] },
  },
  {
    ...lookerConnectionKind,
    configSchema: lookerConnectionKind.configSchema as z.ZodType<Record<string, unknown>>,
    hostFields: { config: [...lookerConnectionKind.hostFields.config], secrets: [] },
  },
  {
    ...powerBiConnectionKind,
    configSchema: powerBiConnectionKind.configSchema as z.ZodType<Record<string, unknown>>,
    hostFields: { config: [...powerBiConnectionKind.hostFields.config], secrets: [] },
  },
];

export function connectionKind(kind: string): ConnectionKind | undefined {
  const connector = connectors.find((c) => c.kind === kind);
  if (connector) {
    return {
      kind,
      title: connector.title,
      configSchema: connector.configSchema as z.ZodType<Record<string, unknown>>,
      secretFields: connector.secretFields,
      optionalSecretFields: connector.optionalSecretFields ?? [],
      hostFields: { config: connector.hostFields, secrets: [] },
      destinationHosts: connector.destinationHosts,
      inboundSecretFields: connector.webhook ? [connector.webhook.secretField] : [],
      connector,
    };
  }
  return plainKinds.find((k) => k.kind === kind);
}

export function allConnectionKinds(): ConnectionKind[] {
  return [...connectors.map((c) => connectionKind(c.kind)!), ...plainKinds];
}

// biome-ignore lint/suspicious/noExplicitAny: any connector, whatever its config and input types
export function connectorFor(kind: string): ConnectorDefinition<any, any> | undefined {
  return connectors.find((c) => c.kind === kind);
}
