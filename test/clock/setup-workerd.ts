import { env } from "cloudflare:test";
import { clockOffsetMs, shiftDate } from "./shift-date.mjs";

// Tests, the Worker, its Durable Objects and queue consumers share this isolate, so one shift pins them all.
shiftDate(clockOffsetMs(env.TUTTI_CLOCK_OFFSET_MS));
