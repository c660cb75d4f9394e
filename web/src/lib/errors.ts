import type { Error as ErrorEnvelope } from "./api/types";

/** One problem with one input field, as the API reports it (`details[]` of the error envelope). */
export type FieldDetail = ErrorEnvelope["error"]["details"][number];

/** An error response from the API, carrying its envelope so forms can show field errors. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: FieldDetail[] = [],
    readonly requestId: string = "",
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Builds an ApiError from a failed response's status and parsed body, tolerating bodies that are not the envelope. */
export function apiErrorFrom(status: number, body: unknown): ApiError {
  const envelope = (body as { error?: { code?: unknown; message?: unknown; details?: unknown; request_id?: unknown } } | null)?.error;
  if (envelope && typeof envelope.code === "string") {
    const details = Array.isArray(envelope.details)
      ? envelope.details.filter((d): d is FieldDetail => typeof d?.path === "string" && typeof d?.message === "string")
      : [];
    return new ApiError(
      status,
      envelope.code,
      typeof envelope.message === "string" ? envelope.message : `request failed (${status})`,
      details,
      typeof envelope.request_id === "string" ? envelope.request_id : "",
    );
  }
  // Proxies and gateways answer with HTML or plain text; say what happened without echoing their body.
  return new ApiError(status, status >= 500 ? "internal" : "unknown", `the server answered ${status}`);
}

/**
 * Splits an error into messages for the fields a form shows and one general message for the rest,
 * so no problem the API reported is silently dropped.
 */
export function splitErrors(error: unknown, shownPaths: readonly string[]): { fields: Record<string, string>; general: string | null } {
  if (!error) return { fields: {}, general: null };
  if (!(error instanceof ApiError)) return { fields: {}, general: messageOf(error) };
  const shown = new Set(shownPaths);
  const fields: Record<string, string> = {};
  const rest: FieldDetail[] = [];
  for (const detail of error.details) {
    if (shown.has(detail.path)) fields[detail.path] ??= detail.message;
    else rest.push(detail);
  }
  if (error.details.length > 0 && rest.length === 0) return { fields, general: null };
  const general = rest.length > 0 ? rest.map((d) => (d.path && d.path !== "(root)" ? `${d.path}: ${d.message}` : d.message)).join("; ") : error.message;
  return { fields, general };
}

/** A readable sentence for any thrown value. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return "Could not reach the server. Check your connection and try again.";
  if (error instanceof Error) return error.message;
  return String(error);
}
