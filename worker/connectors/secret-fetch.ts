import { originOf } from "../lib/urls";
import { ConnectorError } from "./http-errors";

/** Same-origin redirects followed before giving up; a tool that needs more is misconfigured. */
const MAX_REDIRECTS = 5;

export interface SecretRequestInit {
  method?: string;
  /** Every header goes only to `connectionOrigin`: the credentials among them never reach another host. */
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

const refused = (message: string) => new ConnectorError({ kind: "invalid_config", message });

/**
 * The one way a request carrying a connection's credentials leaves Tutti. The request must go to the connection's
 * own origin (its configured `base_url`/`url`), and so must every redirect: a redirect to another origin is not
 * followed (it would take the credentials along), and is reported as a configuration error rather than retried.
 * Same-origin redirects are followed by hand with the fetch rules for method changes (303, and 301/302 after POST,
 * become a GET without a body).
 */
export async function fetchWithSecret(fetchFn: typeof fetch, connectionOrigin: string, url: string, init: SecretRequestInit): Promise<Response> {
  let target = url;
  let method = (init.method ?? "GET").toUpperCase();
  let body = init.body;
  for (let hop = 0; ; hop++) {
    const origin = originOf(target);
    if (origin !== connectionOrigin) {
      const where = origin ?? "a URL that is not http(s)";
      throw refused(
        hop === 0
          ? `refusing to call ${where}: this connection's credentials go only to its own origin ${connectionOrigin}`
          : `the tool redirected to another origin (${where}); not followed, so the connection's credentials stay with ${connectionOrigin}`,
      );
    }
    const res = await fetchFn(target, { method, headers: init.headers, body, signal: init.signal, redirect: "manual" });
    const location = res.headers.get("location");
    if (res.status < 300 || res.status > 399 || res.status === 304 || !location) return res;
    await res.body?.cancel();
    if (hop >= MAX_REDIRECTS) throw refused(`the tool redirected more than ${MAX_REDIRECTS} times`);
    target = new URL(location, target).toString();
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")) {
      method = method === "HEAD" ? "HEAD" : "GET";
      body = undefined;
    }
  }
}
