import { createExecutionContext, env } from "cloudflare:test";
import worker from "../../worker/index";

/**
 * Calls the Worker's `fetch` as the runtime would for a client's request. Its `waitUntil` work is registered with the
 * pool like a service binding's, so a test still ends only after it settles.
 */
export function workerFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init);
  return Promise.resolve(worker.fetch(request, env as never, createExecutionContext()));
}
