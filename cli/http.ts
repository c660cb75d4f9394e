import type { CliConfig } from "./config";

export interface ErrorDetail {
  path: string;
  message: string;
}

/** The API's error envelope, or a transport failure described the same way. */
export interface ApiFailure {
  status: number;
  code: string;
  message: string;
  details: ErrorDetail[];
  requestId: string | null;
}

export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; error: ApiFailure };

/** The one HTTP client every command uses: bearer auth, JSON in and out, errors as values. */
export class ApiClient {
  constructor(
    private readonly config: CliConfig,
    private readonly fetchImpl: typeof fetch,
  ) {}

  get<T>(path: string, headers: Record<string, string> = {}): Promise<ApiResult<T>> {
    return this.request<T>("GET", path, undefined, headers);
  }

  post<T>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<ApiResult<T>> {
    return this.request<T>("POST", path, body, headers);
  }

  async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResult<T>> {
    const url = `${this.config.url}/api/v1${path}`;
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        method,
        headers: {
          authorization: `Bearer ${this.config.token}`,
          accept: "application/json",
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
          ...headers,
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      return { ok: false, error: { status: 0, code: "network", message: `cannot reach ${this.config.url} (${cause})`, details: [], requestId: null } };
    }
    const text = await res.text();
    // biome-ignore lint/suspicious/noExplicitAny: the body is whatever the API answered; callers check its shape
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON: a proxy or a wrong TUTTI_URL; reported below with the status.
    }
    if (res.ok) return { ok: true, status: res.status, data: json as T };
    const e = json?.error;
    if (e && typeof e.code === "string") {
      return {
        ok: false,
        error: {
          status: res.status,
          code: e.code,
          message: String(e.message ?? ""),
          details: Array.isArray(e.details) ? e.details : [],
          requestId: e.request_id ?? null,
        },
      };
    }
    return {
      ok: false,
      error: {
        status: res.status,
        code: `http_${res.status}`,
        message: `unexpected ${res.status} response from ${url}${text ? `: ${text.slice(0, 200)}` : ""}`,
        details: [],
        requestId: null,
      },
    };
  }
}
