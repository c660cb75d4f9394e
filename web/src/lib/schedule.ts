import cronstrue from "cronstrue";
import type { Schedule } from "./api/types";

/**
 * "At 06:30, Monday through Friday" for a cron expression; the expression itself when it uses syntax
 * the describer does not know (croner accepts a few extensions), so the schedule is never hidden.
 */
export function describeCron(cron: string): string {
  try {
    return cronstrue.toString(cron, { use24HourTimeFormat: true, throwExceptionOnParseError: true, verbose: false });
  } catch {
    return cron;
  }
}

/** The schedule in words with its timezone; "No schedule" for pipelines that run only when triggered. */
export function describeSchedule(schedule: Schedule | null): { text: string; timezone: string | null } {
  if (!schedule) return { text: "No schedule", timezone: null };
  return { text: describeCron(schedule.cron), timezone: schedule.timezone };
}
