import { describe, expect, it } from "vitest";
import committed from "../../api/openapi.json";
import { api } from "../helpers/api";

const foundationRoutes = [
  "get /teams",
  "post /teams",
  "get /teams/{id}",
  "patch /teams/{id}",
  "get /teams/{id}/members",
  "post /teams/{id}/members",
  "patch /teams/{id}/members/{userId}",
  "delete /teams/{id}/members/{userId}",
  "get /members",
  "patch /members/{userId}",
  "delete /members/{userId}",
  "post /invitations",
  "get /invitations",
  "delete /invitations/{id}",
  "get /invitations/lookup",
  "post /invitations/accept",
  "post /tokens",
  "get /tokens",
  "delete /tokens/{id}",
  "get /connection-kinds",
  "get /connections",
  "post /connections",
  "get /connections/{id}",
  "patch /connections/{id}",
  "delete /connections/{id}",
  "post /connections/{id}/rotate",
  "get /audit-log",
];

describe("OpenAPI document", () => {
  it("serves exactly the committed contract in api/openapi.json", async () => {
    const served = (await api("/openapi.json")).json;
    // The dashboard's and the CLI's types are generated from the committed file, so it must be what the Worker serves.
    expect(served, "api/openapi.json is out of date: run `npm run api:generate` and commit the result").toEqual(committed);
  });

  it("gives each named schema one shape, never null itself (nullable uses say `anyOf: [$ref, null]`)", async () => {
    const schemas = (await api("/openapi.json")).json.components.schemas as Record<string, { type?: unknown }>;
    const nullable = Object.entries(schemas).filter(([, s]) => Array.isArray(s.type) && s.type.includes("null"));
    // A `.nullable()` of a named zod schema keeps the name, and whichever copy the generator meets first defines it.
    expect(nullable.map(([name]) => name)).toEqual([]);
    // Two shapes once shared the name TeamRef, so alerts were documented without the slug they carry.
    expect(schemas.AlertTeamRef).toMatchObject({ required: ["id", "slug", "name"] });
    expect(schemas.TeamRef).toMatchObject({ required: ["id", "name"] });
  });

  it("documents every foundation route with its error responses", async () => {
    const res = await api("/openapi.json");
    expect(res.status).toBe(200);
    expect(res.json.openapi).toBe("3.1.0");
    const documented = new Set(
      Object.entries(res.json.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`)),
    );
    for (const route of foundationRoutes) expect(documented, route).toContain(route);
    const createToken = res.json.paths["/tokens"].post;
    expect(Object.keys(createToken.responses)).toEqual(expect.arrayContaining(["201", "400", "401", "403"]));
    expect(createToken.description).toMatch(/Idempotency-Key/);
    expect(res.json.paths["/invitations/accept"].post.security).toBeUndefined();
  });

  it("every operation documented as secured answers 401 without credentials", async () => {
    const doc = (await api("/openapi.json")).json;
    let checked = 0;
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, { security?: unknown[] }>>)) {
      for (const [method, op] of Object.entries(ops)) {
        if (!op.security?.length) continue;
        const concrete = path.replace(/\{[^}]+\}/g, "x_missing");
        const res = await api(concrete, { method: method.toUpperCase(), ...(method === "get" || method === "delete" ? {} : { body: {} }) });
        expect(res.status, `${method.toUpperCase()} ${path}`).toBe(401);
        expect(res.json.error.code).toBe("unauthorized");
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(foundationRoutes.length - 2);
  });
});
