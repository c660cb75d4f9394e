import { ApiError } from "../lib/errors";
import type { DoResult } from "./runs/contract";

/**
 * Turns a Durable Object result back into a value or the ApiError it stood for. Typed by the result as the stub
 * hands it over (RPC maps the value's type), so a union such as a dispatch claim keeps its cases.
 */
export function unwrap<R extends DoResult<unknown>>(result: R): Extract<R, { ok: true }>["value"] {
  if (result.ok) return result.value as Extract<R, { ok: true }>["value"];
  throw new ApiError(result.code, result.message);
}
