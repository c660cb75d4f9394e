import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";

/** One per tenant: owns unfinished runs, schedules and timers (filled in by the run engine). */
export class TenantRuns extends DurableObject<Env> {}
