import { describe, expect, it } from "vitest";
import { api, expectError, signup } from "../helpers/api";
import { addMember, createTeam, createToken, firstTeamId } from "../helpers/fixtures";

describe("teams", () => {
  it("an admin creates a team, becomes its maintainer, and every member can list and read it", async () => {
    const owner = await signup();
    const created = await api("/teams", { as: owner, body: { name: "Marketing Analytics", description: "Campaign models" } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      slug: "marketing-analytics",
      name: "Marketing Analytics",
      description: "Campaign models",
      member_count: 1,
      my_role: "maintainer",
    });
    expect(created.json.id).toMatch(/^team_/);

    const member = await addMember(owner, "member");
    const list = await api("/teams", { as: member });
    expect(list.status).toBe(200);
    expect(list.json.items.map((t: { name: string }) => t.name)).toEqual(["Data platform", "Marketing Analytics"]);
    expect(list.json.items.every((t: { my_role: unknown }) => t.my_role === null)).toBe(true);
    const one = await api(`/teams/${created.json.id}`, { as: member });
    expect(one.json).toMatchObject({ id: created.json.id, member_count: 1, my_role: null });
  });

  it("lists page by cursor", async () => {
    const owner = await signup();
    for (const name of ["Bravo", "Charlie", "Delta"]) await createTeam(owner, name);
    const first = await api("/teams?limit=2", { as: owner });
    expect(first.json.items.map((t: { name: string }) => t.name)).toEqual(["Bravo", "Charlie"]);
    const second = await api(`/teams?limit=2&cursor=${first.json.next_cursor}`, { as: owner });
    expect(second.json.items.map((t: { name: string }) => t.name)).toEqual(["Data platform", "Delta"]);
    expect(second.json.next_cursor).toBeNull();
    expectError(await api("/teams?cursor=garbage", { as: owner }), 400, "validation_failed");
  });

  it("a taken slug is a conflict naming the field", async () => {
    const owner = await signup();
    await createTeam(owner, "Finance");
    const byName = await api("/teams", { as: owner, body: { name: "finance" } });
    expectError(byName, 409, "conflict");
    expect(byName.json.error.details[0].path).toBe("name");
    const bySlug = await api("/teams", { as: owner, body: { name: "Money", slug: "finance" } });
    expectError(bySlug, 409, "conflict");
    expect(bySlug.json.error.details[0].path).toBe("slug");
    const badSlug = await api("/teams", { as: owner, body: { name: "Money", slug: "Not A Slug" } });
    expectError(badSlug, 400, "validation_failed");
    expect(badSlug.json.error.details[0].path).toBe("slug");
  });

  it("members, viewers and tokens cannot create teams", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const member = await addMember(owner, "member");
    const viewer = await addMember(owner, "viewer");
    const token = await createToken(owner, teamId);
    for (const as of [member, viewer, token.token]) expectError(await api("/teams", { as, body: { name: "Shadow IT" } }), 403, "forbidden");
    expect((await api("/teams", { as: owner })).json.items).toHaveLength(1);
  });

  it("a team maintainer or tenant admin edits the team; a plain member cannot", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const maintainer = await addMember(owner, "member");
    const plain = await addMember(owner, "member", { teamId });
    expect((await api(`/teams/${teamId}/members`, { as: owner, body: { user_id: maintainer.user.id, role: "maintainer" } })).status).toBe(201);

    expectError(await api(`/teams/${teamId}`, { as: plain, method: "PATCH", body: { name: "Renamed" } }), 403, "forbidden");
    const renamed = await api(`/teams/${teamId}`, { as: maintainer, method: "PATCH", body: { name: "Platform", description: "Owns ingestion" } });
    expect(renamed.status).toBe(200);
    expect(renamed.json).toMatchObject({ name: "Platform", description: "Owns ingestion", slug: "data-platform", member_count: 3, my_role: "maintainer" });
    const byAdmin = await api(`/teams/${teamId}`, { as: owner, method: "PATCH", body: { description: "" } });
    expect(byAdmin.json.description).toBe("");
    expectError(await api(`/teams/${teamId}`, { as: owner, method: "PATCH", body: {} }), 400, "validation_failed");
  });
});

describe("team members", () => {
  it("a maintainer adds, re-roles and removes members", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const person = await addMember(owner, "member");

    const added = await api(`/teams/${teamId}/members`, { as: owner, body: { user_id: person.user.id, role: "member" } });
    expect(added.status).toBe(201);
    expect(added.json).toEqual({ user_id: person.user.id, email: person.user.email, name: person.user.name, role: "member" });
    expect((await api("/me", { as: person })).json.teams).toEqual([expect.objectContaining({ id: teamId, role: "member" })]);

    const list = await api(`/teams/${teamId}/members`, { as: person });
    expect(list.json.items.map((m: { user_id: string; role: string }) => [m.user_id, m.role]).sort()).toEqual(
      [
        [owner.user.id, "maintainer"],
        [person.user.id, "member"],
      ].sort(),
    );

    const promoted = await api(`/teams/${teamId}/members/${person.user.id}`, { as: owner, method: "PATCH", body: { role: "maintainer" } });
    expect(promoted.json.role).toBe("maintainer");
    const removed = await api(`/teams/${teamId}/members/${owner.user.id}`, { as: person, method: "DELETE" });
    expect(removed.status).toBe(204);
    expect((await api(`/teams/${teamId}`, { as: person })).json.member_count).toBe(1);
    expectError(await api(`/teams/${teamId}/members/${owner.user.id}`, { as: person, method: "DELETE" }), 404, "not_found");
  });

  it("only tenant members can join, once", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const outsider = await signup();
    const notMember = await api(`/teams/${teamId}/members`, { as: owner, body: { user_id: outsider.user.id, role: "member" } });
    expectError(notMember, 400, "validation_failed");
    expect(notMember.json.error.details[0].path).toBe("user_id");
    const twice = await api(`/teams/${teamId}/members`, { as: owner, body: { user_id: owner.user.id, role: "member" } });
    expectError(twice, 409, "conflict");
    const badRole = await api(`/teams/${teamId}/members`, { as: owner, body: { user_id: owner.user.id, role: "owner" } });
    expectError(badRole, 400, "validation_failed");
    expect(badRole.json.error.details[0].path).toBe("role");
  });

  it("plain members and tokens cannot manage team membership", async () => {
    const owner = await signup();
    const teamId = await firstTeamId(owner);
    const plain = await addMember(owner, "member", { teamId });
    const other = await addMember(owner, "member");
    const token = await createToken(owner, teamId);
    for (const as of [plain, token.token]) {
      expectError(await api(`/teams/${teamId}/members`, { as, body: { user_id: other.user.id, role: "member" } }), 403, "forbidden");
      expectError(await api(`/teams/${teamId}/members/${owner.user.id}`, { as, method: "PATCH", body: { role: "member" } }), 403, "forbidden");
      expectError(await api(`/teams/${teamId}/members/${owner.user.id}`, { as, method: "DELETE" }), 403, "forbidden");
    }
    expect((await api(`/teams/${teamId}`, { as: owner })).json.member_count).toBe(2);
  });
});
