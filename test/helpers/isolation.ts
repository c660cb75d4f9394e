import { expect } from "vitest";
import { api, type Session } from "./api";

export interface RouteCall {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  /** Path under /api/v1 with the owner's ids filled in. */
  path: string;
  /** A valid body, so that only isolation (never validation) can refuse the call. */
  body?: unknown;
}

export interface ListCheck {
  path: string;
  as: Session | string;
  /** Ids the list must show, proving it is not vacuously empty. */
  mustInclude?: string[];
}

export interface Credentials {
  session: Session;
  token: string;
}

const label = (r: RouteCall) => `${r.method} ${r.path}`;

/** Every route answers 401 with the error envelope when called without credentials. */
export async function assertRequiresAuth(routes: RouteCall[]) {
  for (const r of routes) {
    const res = await api(r.path, { method: r.method, body: r.body });
    expect(res.status, `${label(r)} without credentials`).toBe(401);
    expect(res.json?.error?.code, `${label(r)} without credentials`).toBe("unauthorized");
  }
}

/**
 * Tenant (or team) isolation in one call:
 * - every route, which names the owner's objects, answers 404 `not_found` to the intruder's session AND token
 *   (never 403, which would confirm the object exists);
 * - afterwards the owner still reads every GET route (so the ids were real and the intruder's writes changed nothing);
 * - the owner's list endpoints never include the intruder's objects (`foreignIds`), not even in passing;
 * - every route answers 401 without credentials.
 */
export async function assertIsolated(opts: {
  routes: RouteCall[];
  owner: Session | string;
  intruder: Credentials;
  lists?: ListCheck[];
  foreignIds?: string[];
}) {
  for (const r of opts.routes) {
    for (const [who, as] of [["session", opts.intruder.session], ["token", opts.intruder.token]] as const) {
      const res = await api(r.path, { method: r.method, body: r.body, as });
      expect(res.status, `${label(r)} as the intruder's ${who}: ${res.text}`).toBe(404);
      expect(res.json?.error?.code, `${label(r)} as the intruder's ${who}`).toBe("not_found");
    }
  }
  for (const r of opts.routes.filter((r) => r.method === "GET")) {
    const res = await api(r.path, { as: opts.owner });
    expect(res.status, `${label(r)} as the owner: ${res.text}`).toBe(200);
  }
  for (const list of opts.lists ?? []) {
    const res = await api(list.path, { as: list.as });
    expect(res.status, `GET ${list.path}: ${res.text}`).toBe(200);
    for (const id of opts.foreignIds ?? []) expect(res.text, `GET ${list.path} mentions ${id}`).not.toContain(id);
    for (const id of list.mustInclude ?? []) expect(res.text, `GET ${list.path} lists ${id}`).toContain(id);
  }
  await assertRequiresAuth(opts.routes);
}
