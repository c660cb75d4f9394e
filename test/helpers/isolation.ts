import { beforeAll } from "vitest";
import { signup, type Session } from "./api";
import { isTerminal, waitForRun } from "./engine";
import { createToken, firstTeamId } from "./fixtures";
import { assertNothingWritten, fixtureTenant, operations, type FixtureTenant, type Operation } from "./sweep";

/**
 * What the isolation and authorization sweeps share (test/integration/isolation-*.test.ts): the operations that are
 * excused from a check, each with the reason, and the fixture. The sweeps are split over several files because a
 * runtime's requests get slower the more of them it has served (docs/testing.md, "Where the time goes"): each file
 * gets its own runtime and fixture tenant, and the two vitest workers share the files.
 */

/** Operations without credentials: they authenticate some other way, so another tenant's credentials mean nothing to them. */
export const PUBLIC: Record<string, string> = {
  "GET /health": "liveness probe; no tenant data",
  "POST /auth/signup": "creates a new tenant; needs no credentials",
  "POST /auth/login": "exchanges a password for a session",
  "POST /auth/verify": "authorised by the sign-up link's token in the body; creates a new tenant",
  "POST /auth/password-reset/request": "mails the address; answers alike for every address",
  "POST /auth/password-reset": "authorised by the reset link's token in the body, not by a tenant credential",
  "GET /dev/mail": "local development only (404 elsewhere); the captured mails are no tenant's data",
  "POST /auth/logout": "ends the caller's own session (or nothing)",
  "GET /invitations/lookup": "authorised by the invitation token in the query, not by a tenant credential",
  "POST /invitations/accept": "authorised by the invitation token in the body, not by a tenant credential",
  "GET /pipelines/schema.json": "the pipeline spec's JSON schema; the same for everyone",
  "GET /auth/sso/start": "starts a browser's sign-in at the workspace's provider; reveals only which workspace a domain signs in to",
  "GET /auth/sso/callback": "authorised by the pending sign-in's state (URL and cookie) and the provider's code",
  "POST /auth/mfa": "authorised by the pending sign-in's token in the body (after a right password) and a second factor",
  "POST /auth/mfa/passkey-options": "authorised by the pending sign-in's token in the body",
  "GET /status/{token}": "a product's status page, authorised by its share link's token in the path, not by a tenant credential",
  "POST /status/{token}/subscribe": "authorised by the share link's token in the path; mails a confirmation link and stores an unconfirmed address",
  "POST /status/confirm": "authorised by the signed confirmation link's token in the body",
  "POST /status/unsubscribe": "authorised by the signed unsubscribe link's token in the body",
};

const OWN_FACTORS = "the caller's own account's second factors, a right everyone keeps; covered by mfa.test.ts";

/** State-changing operations a tenant viewer is allowed: none of them change anything. */
export const VIEWER_MAY: Record<string, string> = {
  "POST /ci/impact": "computes an impact preview from the body; stores nothing",
  "POST /me/sign-out-everywhere": "ends the caller's own sessions (a right everyone keeps); covered by sessions.test.ts",
  "POST /me/mfa/totp": OWN_FACTORS,
  "POST /me/mfa/totp/confirm": OWN_FACTORS,
  "DELETE /me/mfa/totp": OWN_FACTORS,
  "POST /me/mfa/recovery-codes": OWN_FACTORS,
  "POST /me/mfa/passkeys/options": OWN_FACTORS,
  "POST /me/mfa/passkeys": OWN_FACTORS,
};

/** State-changing operations a read-only token is allowed, for the same reason. */
export const READ_SCOPE_MAY: Record<string, string> = {
  "POST /ci/impact": "computes an impact preview from the body; stores nothing",
};

/**
 * State-changing operations a token of another team of the tenant may call with the fixture's body: they name no
 * object of the first team (the writer's own team owns what they create), or store nothing.
 */
export const OTHER_TEAM_MAY: Record<string, string> = {
  "POST /lineage": "OpenLineage ingestion is tenant-wide: new datasets and jobs belong to the writer's team, existing ones keep their owner",
  "POST /lineage/batch": "as POST /lineage",
  "POST /usage": "usage is reported by the consumers of a product, who are usually other teams",
  "POST /costs":
    "the fixture's record names none of the first team's things, so it is the writer's own; naming another team's objects or correcting its records is refused (costs-ownership.test.ts)",
  "POST /ci/impact": "computes an impact preview from the body; stores nothing",
};

/** The fixture tenant, another tenant's session and token (the intruder), and the operations of the document. */
export function isolationFixture() {
  const state = {} as { ops: Operation[]; a: FixtureTenant; intruder: { session: Session; token: string } };
  beforeAll(async () => {
    state.ops = await operations();
    state.a = await fixtureTenant();
    const b = await signup();
    state.intruder = { session: b, token: (await createToken(b, await firstTeamId(b))).token };
    // Work the fixture started (its run) finishes first, so the snapshots below change only if a call writes.
    await waitForRun(state.a.owner, state.a.pathValues["runs/{id}"], isTerminal);
  }, 180_000);
  const secured = () => state.ops.filter((op) => op.secured);
  return {
    get ops() {
      return state.ops;
    },
    get a() {
      return state.a;
    },
    get intruder() {
      return state.intruder;
    },
    secured,
    writes: () => secured().filter((op) => op.writes),
    nothingWritten: (list: Operation[], calls: (op: Operation) => Promise<void>) => assertNothingWritten(state.a.owner.tenant.id, list, calls),
  };
}

export const label = (op: Operation, who: string, res: { status: number; text: string }) => `${op.key} as ${who}: ${res.status} ${res.text.slice(0, 300)}`;
