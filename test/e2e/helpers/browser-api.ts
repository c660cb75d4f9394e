import type { BrowserContext } from "playwright-core";
import type { DemoApi } from "../../../scripts/demo/products";

/** The demo seeds' API calls made with the browser's own session, so the pages show exactly what they wrote. */
export function browserApi(context: BrowserContext, csrf: string): DemoApi {
  return {
    async request<T>(method: string, path: string, body?: unknown, allow: number[] = []) {
      const res = await context.request.fetch(`/api/v1${path}`, { method, data: body, headers: { "x-csrf-token": csrf } });
      const text = await res.text();
      if (!res.ok() && !allow.includes(res.status())) throw new Error(`${method} ${path}: ${res.status()} ${text.slice(0, 300)}`);
      return { status: res.status(), data: (text ? JSON.parse(text) : null) as T };
    },
  };
}
