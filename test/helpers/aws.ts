import { expect } from "vitest";
import { fakeUrl } from "./tool-fakes";

/**
 * An IAM access key known to the Cost Explorer fake, with the account's billing lines (test/fakes/aws-ce/server.ts).
 * Each call makes a new key, so tests running in parallel never share data; registering again under the same key
 * revises the figures (Cost Explorer's estimated → final, late credits).
 */
export interface CostLine {
  tag: string | null;
  account: string;
  UnblendedCost: string;
  AmortizedCost?: string;
}
export interface CostDay {
  day: string;
  estimated?: boolean;
  lines: CostLine[];
}

export function awsKey(withSessionToken = false) {
  const id = `ASIA${crypto.randomUUID().replaceAll("-", "").slice(0, 16).toUpperCase()}`;
  return {
    access_key_id: id,
    secret_access_key: `fake/${crypto.randomUUID()}/secret`,
    ...(withSessionToken ? { session_token: `IQoJb3JpZ2luX2VjE${crypto.randomUUID().replaceAll("-", "")}` } : {}),
  };
}

export async function registerCostExplorer(key: ReturnType<typeof awsKey>, tagKey: string, days: CostDay[], unit = "USD") {
  const res = await fetch(`${fakeUrl("aws_ce")}/__fake/accounts/${key.access_key_id}`, {
    method: "PUT",
    body: JSON.stringify({
      secret_access_key: key.secret_access_key,
      session_token: "session_token" in key ? key.session_token : undefined,
      tag_key: tagKey,
      unit,
      days,
    }),
  });
  expect(res.status).toBe(204);
}

/** The connection config that points at the fake. */
export const awsConfig = () => ({ cost_explorer_url: fakeUrl("aws_ce") });
