import { ApiError } from "../lib/errors";
import type { DoResult } from "./tenant-runs";

/** Turns a Durable Object result back into a value or the ApiError it stood for. */
export function unwrap<T>(result: DoResult<T>): T {
  if (result.ok) return result.value;
  throw new ApiError(result.code, result.message);
}
