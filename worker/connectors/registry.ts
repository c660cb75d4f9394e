import { z } from "@hono/zod-openapi";
import { connectors } from "./all";
import type { ConnectorDefinition } from "./types";

/** A kind of connection a team can store: its non-secret config, its secret fields, and the connector that uses it. */
export interface ConnectionKind {
  kind: string;
  title: string;
  configSchema: z.ZodType<Record<string, unknown>>;
  secretFields: readonly string[];
  optionalSecretFields: readonly string[];
  connector?: ConnectorDefinition<any, any>;
}

const baseUrl = z.url({ protocol: /^https?$/, message: "must be an http(s) URL" });

const notificationKinds: ConnectionKind[] = [
  {
    kind: "slack",
    title: "Slack incoming webhook",
    configSchema: z.strictObject({ channel_label: z.string().max(80).optional() }),
    secretFields: ["webhook_url"],
    optionalSecretFields: [],
  },
  {
    kind: "webhook",
    title: "Outgoing signed webhook",
    configSchema: z.strictObject({ url: baseUrl }),
    secretFields: ["signing_secret"],
    optionalSecretFields: [],
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
      connector,
    };
  }
  return notificationKinds.find((k) => k.kind === kind);
}

export function allConnectionKinds(): ConnectionKind[] {
  return [...connectors.map((c) => connectionKind(c.kind)!), ...notificationKinds];
}

export function connectorFor(kind: string): ConnectorDefinition<any, any> | undefined {
  return connectors.find((c) => c.kind === kind);
}
