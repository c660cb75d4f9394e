/// <reference types="vite/client" />
import { hmacHex } from "../../worker/lib/hash";
import { nonEmpty } from "./fixture-glob";

/**
 * The real webhook payloads in test/fixtures/webhooks (dbt Cloud, Fivetran, Airbyte, GitHub; origins in
 * test/fixtures/SOURCES.md), loaded as raw text so tests sign and send exactly the bytes the tools sent.
 */
const raw = nonEmpty("webhooks", import.meta.glob("../fixtures/webhooks/*.json", { query: "?raw", import: "default", eager: true }));
const byName = Object.fromEntries(Object.entries(raw).map(([path, text]) => [path.replace(/^.*\/webhooks\//, ""), text]));

export function webhookFixture(name: string): string {
  const text = byName[name];
  if (text === undefined) throw new Error(`no webhook fixture ${name}; have ${Object.keys(byName).join(", ")}`);
  return text;
}

/** Headers each tool signs with (CONTRACTS §10): the exact header name, prefix and hex case. */
export const sign = {
  dbt_cloud: async (body: string, secret: string) => ({ "content-type": "application/json", authorization: await hmacHex("SHA-256", secret, body) }),
  fivetran: async (body: string, secret: string) => ({
    "content-type": "application/json",
    "x-fivetran-signature-256": (await hmacHex("SHA-256", secret, body)).toUpperCase(),
  }),
  github_actions: async (body: string, secret: string, event: string, delivery: string = crypto.randomUUID()) => ({
    "content-type": "application/json",
    "x-github-event": event,
    "x-github-delivery": delivery,
    "x-hub-signature-256": `sha256=${await hmacHex("SHA-256", secret, body)}`,
  }),
};
