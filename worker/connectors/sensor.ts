import { parseDuration } from "../lib/time";
import { duration } from "../pipelines/spec";
import type { SensorTiming } from "./types";

/** Bounds of a sensor: a poke more often than every 10s is load on the tool, a wait past 7 days is a schedule. */
export const SENSOR_MIN_INTERVAL_MS = 10_000;
export const SENSOR_MAX_INTERVAL_MS = 86_400_000;
export const SENSOR_MAX_TIMEOUT_MS = 7 * 86_400_000;

/**
 * `interval` and `timeout` of a task's `with.sensor`, the same for every connector that can be a sensor (each adds
 * what its condition is): spread into the connector's own `sensor` object.
 */
export const sensorTimingFields = {
  interval: duration(SENSOR_MIN_INTERVAL_MS, SENSOR_MAX_INTERVAL_MS, "interval").meta({ description: "How long to wait between two pokes (at least 10s)" }),
  timeout: duration(SENSOR_MIN_INTERVAL_MS, SENSOR_MAX_TIMEOUT_MS, "timeout").meta({
    description: "When to give up: the task then times out without a retry (at most 7d)",
  }),
};

/** The engine's timing of a parsed `with.sensor` (connectors' `sensor()`), or null when the task is no sensor. */
export function sensorTiming(sensor: { interval: string; timeout: string } | undefined): SensorTiming | null {
  return sensor ? { intervalMs: parseDuration(sensor.interval)!, timeoutMs: parseDuration(sensor.timeout)! } : null;
}
