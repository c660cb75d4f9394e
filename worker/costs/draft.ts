import type { CostAttributionInput } from "../db/schema/cost-records";

/** A cost record ready for the ledger: validated, priced, in micro-units of the tenant currency. */
export interface CostDraft {
  source: string;
  externalRef: string;
  amountMicros: number;
  currency: string;
  quantity: number | null;
  unit: string | null;
  startedAt: number;
  endedAt: number | null;
  description: string | null;
  attribution: CostAttributionInput;
}

export type { CostAttributionInput };
