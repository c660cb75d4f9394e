import { OpenAPIHono } from "@hono/zod-openapi";
import type { Db } from "./db/client";
import type { SessionAuthMethod } from "./db/schema/enums";
import type { Env } from "./env";
import { validationError } from "./lib/errors";
import type { Principal } from "./lib/principal";
import type { Clock } from "./lib/time";

export interface AppVariables {
  requestId: string;
  /** The tenant's shard (worker/db/shards.ts), once the request knows its tenant. */
  db: Db;
  /** The control database: tenants and their shards, people, credentials, sign-in state (worker/db/sides.ts). */
  controlDb: Db;
  clock: Clock;
  /** Set by the auth middleware on routes that require it. */
  principal: Principal;
  /** CSRF token of the session, when the caller used one. */
  csrfToken?: string;
  /** How the caller's session was started, when the caller used one. */
  sessionAuthMethod?: SessionAuthMethod;
  /** The session's person must set up a second factor before using the workspace (middleware/auth.ts). */
  mfaSetUpRequired?: boolean;
  /**
   * Set by routes whose response shows a secret once (API tokens, invitation links): the
   * idempotency store keeps this conflict message instead of the body, so replays never hold the secret.
   */
  withheldReplay?: string;
}

export interface AppEnv {
  Bindings: Env;
  Variables: AppVariables;
}

/** Every router is built here so validation failures always take the one error envelope. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, _c) => {
      if (!result.success) {
        const prefix = result.target === "json" || result.target === "form" ? [] : [result.target === "param" ? "path" : result.target];
        throw validationError(result.error.issues, prefix);
      }
    },
  });
}

export type Router = ReturnType<typeof createRouter>;
