import createClient, { type Client } from "openapi-fetch";
import type { Error as ErrorEnvelope, paths } from "../api/schema";
import type { CliConfig } from "./config";

export type ErrorDetail = ErrorEnvelope["error"]["details"][number];

/** The API's error envelope, or a transport failure described the same way. */
export interface ApiFailure {
  status: number;
  code: string;
  message: string;
  details: ErrorDetail[];
  requestId: string | null;
}

export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; error: ApiFailure };

/** What openapi-fetch resolves to: the operation's documented success body, or the error body, with the response. */
type Result<D> = { data?: D; error?: unknown; response: Response };

/** openapi-fetch answers `{ data }` exactly when the status is a success; its type is the operation's success body. */
const succeeded = <D>(result: Result<D>): result is { data: D; response: Response } => result.response.ok && !("error" in result);

function isEnvelope(body: unknown): body is ErrorEnvelope {
  if (typeof body !== "object" || body === null || !("error" in body)) return false;
  const { error } = body;
  return typeof error === "object" && error !== null && "code" in error && typeof error.code === "string";
}

/**
 * The one HTTP client every command uses: openapi-fetch typed by the generated contract (api/schema.d.ts), with the
 * token as bearer auth; `call()` turns what it answers into a value, so commands print failures instead of throwing.
 */
export class ApiClient {
  /** Typed by path and method: `client.api.GET("/runs/{id}", { params: { path: { id } } })`. */
  readonly api: Client<paths>;

  constructor(
    private readonly config: CliConfig,
    fetchImpl: typeof fetch,
  ) {
    this.api = createClient<paths>({
      baseUrl: `${config.url}/api/v1`,
      fetch: (request) => fetchImpl(request),
      headers: { authorization: `Bearer ${config.token}`, accept: "application/json" },
    });
  }

  /** The success body of a call, or its failure: the API's error envelope, an unexpected answer, or no answer at all. */
  async call<D>(pending: Promise<Result<D>>): Promise<ApiResult<D>> {
    let result: Result<D>;
    try {
      result = await pending;
    } catch (err) {
      if (err instanceof SyntaxError) return this.failure(0, "bad_response", `the answer from ${this.config.url} is not JSON (${err.message})`);
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      return this.failure(0, "network", `cannot reach ${this.config.url} (${cause})`);
    }
    const { response } = result;
    if (succeeded(result)) return { ok: true, status: response.status, data: result.data };
    const body = result.error;
    if (isEnvelope(body)) {
      const e = body.error;
      return {
        ok: false,
        error: {
          status: response.status,
          code: e.code,
          message: String(e.message ?? ""),
          details: Array.isArray(e.details) ? e.details : [],
          requestId: e.request_id ?? null,
        },
      };
    }
    // Not the envelope: a proxy or a wrong TUTTI_URL answered.
    const text = typeof body === "string" ? body : body === undefined ? "" : JSON.stringify(body);
    return this.failure(
      response.status,
      `http_${response.status}`,
      `unexpected ${response.status} response from ${response.url}${text ? `: ${text.slice(0, 200)}` : ""}`,
    );
  }

  private failure(status: number, code: string, message: string): { ok: false; error: ApiFailure } {
    return { ok: false, error: { status, code, message, details: [], requestId: null } };
  }
}
