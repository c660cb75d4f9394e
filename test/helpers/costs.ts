import { api, type Session } from "./api";

/** Creates a product (POST /products) and returns its body; throws with the response on failure. */
export async function product(as: Session | string, body: Record<string, unknown>) {
  const res = await api("/products", { as, body });
  if (res.status !== 201) throw new Error(`create product ${String(body.name)}: ${res.status} ${res.text}`);
  return res.json as { id: string; name: string; [k: string]: unknown };
}

/** A valid cost record; fields override the defaults (USD, a minute ago). */
export function record(fields: Record<string, unknown>) {
  return { currency: "USD", started_at: new Date(Date.now() - 60_000).toISOString(), ...fields };
}

export async function postCosts(as: Session | string, records: unknown[]) {
  const res = await api("/costs", { as, body: { records } });
  if (res.status !== 200) throw new Error(`POST /costs: ${res.status} ${res.text}`);
  return res.json as {
    inserted: number;
    updated: number;
    unchanged: number;
    records: Array<{ external_ref: string; status: string; attributed_by: string | null }>;
  };
}
