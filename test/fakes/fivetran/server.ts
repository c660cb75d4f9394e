import { createHmac, randomUUID } from "node:crypto";
import { startJsonServer, type FakeServer } from "../http-server";
import { Scripts, type Reply } from "../scripting";

/**
 * Fivetran REST API (CONTRACTS §4):
 *   GET  /v1/account/info                       the connection test
 *   GET  /v1/connections/{id}                   data.paused, succeeded_at, failed_at, status.{setup_state, sync_state, update_state, tasks, warnings}
 *   POST /v1/connections/{id}/sync {force}      {code: "Success", message}, no sync id; also the legacy /v1/connectors/{id}/sync
 *   POST /v1/connections/{id}/resync {scope?}   409 while a sync runs
 * Auth: `Authorization: Basic base64(api_key:api_secret)`; every request's Accept header is recorded (version=2 expected).
 * A sync finishes after `polls` status reads (or at once with /__fake/complete), moving succeeded_at or failed_at;
 * `rescheduled_polls` first reports sync_state "rescheduled". Webhooks sync_start / sync_end are signed with
 * UPPERCASE hex HMAC-SHA256 in X-Fivetran-Signature-256. Plans are keyed by connection id:
 * {polls, outcome: "success"|"failure", rescheduled_polls?, paused?, exists?: false, errors: {sync|resync|status: […]}, hold: ["sync"]}.
 */
interface Connection {
  id: string;
  paused: boolean;
  succeededAt: string | null;
  failedAt: string | null;
  syncState: "scheduled" | "syncing" | "paused" | "rescheduled";
  pollsLeft: number;
  rescheduledLeft: number;
  outcome: "success" | "failure";
  syncId: string | null;
  tasks: Array<{ code: string; message: string }>;
}

export interface FivetranFakeOptions {
  apiKey: string;
  apiSecret: string;
  webhookSecret: string;
  port?: number;
  autoAdvanceMs?: number;
}

export interface FivetranFake extends FakeServer {
  connections: Map<string, Connection>;
}

const fail = (status: number, code: string, message: string): Reply => ({ status, body: { code, message } });

export async function startFivetranFake(options: FivetranFakeOptions): Promise<FivetranFake> {
  const connections = new Map<string, Connection>();
  const scripts = new Scripts("Fivetran");
  const expectedAuth = `Basic ${Buffer.from(`${options.apiKey}:${options.apiSecret}`).toString("base64")}`;

  function connection(id: string): Connection | null {
    const plan = scripts.plan(id);
    if (plan.exists === false) return null;
    let c = connections.get(id);
    if (!c) {
      c = {
        id,
        paused: plan.paused === true,
        // An earlier scheduled sync: the baseline the connector must see past.
        succeededAt: "2026-01-01T00:00:00.000Z",
        failedAt: "2025-12-31T00:00:00.000Z",
        syncState: plan.paused === true ? "paused" : "scheduled",
        pollsLeft: 0,
        rescheduledLeft: 0,
        outcome: "success",
        syncId: null,
        tasks: [],
      };
      connections.set(id, c);
    }
    return c;
  }

  function view(c: Connection) {
    return {
      id: c.id,
      group_id: "warehouse_main",
      service: "postgres",
      schema: `pg_${c.id}`,
      paused: c.paused,
      sync_frequency: 360,
      schedule_type: "auto",
      succeeded_at: c.succeededAt,
      failed_at: c.failedAt,
      status: { setup_state: "connected", sync_state: c.syncState, update_state: "on_schedule", is_historical_sync: false, tasks: c.tasks, warnings: [] },
    };
  }

  function webhook(c: Connection, event: "sync_start" | "sync_end", status?: string) {
    const body = JSON.stringify({
      event,
      created: new Date().toISOString(),
      connector_type: "postgres",
      connector_id: c.id,
      connector_name: `pg_${c.id}`,
      sync_id: c.syncId,
      destination_group_id: "warehouse_main",
      ...(status ? { data: status === "SUCCESSFUL" ? { status } : { status, reason: "Permission denied on schema public", taskType: "reconnect" } } : {}),
    });
    const signature = createHmac("sha256", options.webhookSecret).update(body).digest("hex").toUpperCase();
    scripts.emit(c.id, { event, headers: { "content-type": "application/json", "x-fivetran-signature-256": signature }, body });
  }

  /** Timestamps move strictly forward even within one millisecond, like a clock Fivetran trusts. */
  function later(c: Connection) {
    const last = Math.max(Date.parse(c.succeededAt ?? "1970-01-01"), Date.parse(c.failedAt ?? "1970-01-01"));
    return new Date(Math.max(Date.now(), last + 1000)).toISOString();
  }

  function startSync(c: Connection) {
    const plan = scripts.plan(c.id);
    c.syncState = "syncing";
    c.pollsLeft = Number(plan.polls ?? 0);
    c.rescheduledLeft = Number(plan.rescheduled_polls ?? 0);
    c.outcome = plan.outcome === "failure" ? "failure" : "success";
    c.syncId = randomUUID();
    c.tasks = [];
    webhook(c, "sync_start");
    if (options.autoAdvanceMs) {
      const timer = setInterval(() => (c.syncState === "syncing" || c.syncState === "rescheduled" ? advance(c) : clearInterval(timer)), options.autoAdvanceMs);
      timer.unref();
    }
  }

  function finish(c: Connection, outcome: Connection["outcome"]) {
    if (c.syncState !== "syncing" && c.syncState !== "rescheduled") return;
    if (outcome === "success") c.succeededAt = later(c);
    else {
      c.failedAt = later(c);
      c.tasks = [{ code: "reconnect", message: "Permission denied on schema public" }];
    }
    c.syncState = "scheduled";
    webhook(c, "sync_end", outcome === "success" ? "SUCCESSFUL" : "FAILURE_WITH_TASK");
  }

  function advance(c: Connection) {
    if (c.syncState !== "syncing" && c.syncState !== "rescheduled") return;
    if (c.rescheduledLeft > 0) {
      c.rescheduledLeft -= 1;
      c.syncState = "rescheduled";
    } else if (c.pollsLeft > 0) {
      c.pollsLeft -= 1;
      c.syncState = "syncing";
    } else finish(c, c.outcome);
  }

  scripts.onComplete = (key, outcome) => {
    const c = connections.get(key);
    if (!c) return false;
    finish(c, outcome === "failure" ? "failure" : outcome === "success" ? "success" : c.outcome);
    return true;
  };

  const server = await startJsonServer(async (req, url) => {
    const control = scripts.control(req, url);
    if (control) return control;
    const parts = url.pathname.split("/").filter(Boolean);
    if (parts[0] === "dashboard")
      return {
        status: 200,
        raw: `<!doctype html><title>Fivetran ${parts[2]}</title><h1>Fivetran (fake) connection ${parts[2]}</h1>`,
        headers: { "content-type": "text/html" },
      };
    if (req.headers.authorization !== expectedAuth) return fail(401, "AuthFailed", "Missing or invalid API key and secret");
    if (parts[0] !== "v1") return fail(404, "NotFound", "Not found");
    if (req.method === "GET" && parts[1] === "account" && parts[2] === "info") {
      return {
        status: 200,
        body: { code: "Success", data: { account_id: "fake_account", account_name: "Fake Data Co", user_id: "fake_user", system_key_id: null } },
      };
    }
    if ((parts[1] === "connections" || parts[1] === "connectors") && parts[2]) {
      const id = decodeURIComponent(parts[2]);
      const c = connection(id);
      if (!c) return fail(404, "NotFound_Connection", `Connection with id '${id}' doesn't exist`);
      if (req.method === "GET" && parts.length === 3) {
        const scripted = scripts.takeError(id, "status");
        if (scripted) return scripted;
        if (!options.autoAdvanceMs) advance(c);
        return { status: 200, body: { code: "Success", data: view(c) } };
      }
      if (req.method === "POST" && parts[3] === "sync") {
        const scripted = scripts.takeError(id, "sync");
        if (scripted) return scripted;
        if (c.paused) return fail(400, "InvalidState", "Connection is paused");
        const body = req.body ? (JSON.parse(req.body) as { force?: boolean }) : {};
        const running = c.syncState === "syncing" || c.syncState === "rescheduled";
        // force:false leaves a running sync alone; force:true restarts it.
        if (!running || body.force) startSync(c);
        await scripts.gate(id, "sync");
        return { status: 200, body: { code: "Success", message: `Sync has been successfully triggered for connection with id '${id}'` } };
      }
      if (req.method === "POST" && parts[3] === "resync") {
        const scripted = scripts.takeError(id, "resync");
        if (scripted) return scripted;
        if (c.syncState === "syncing" || c.syncState === "rescheduled") return fail(409, "Conflict", "A sync is in progress for this connection");
        startSync(c);
        return { status: 200, body: { code: "Success", message: `Re-sync has been successfully triggered for connection with id '${id}'` } };
      }
    }
    return fail(404, "NotFound", "Not found");
  }, options.port);
  return { ...server, connections };
}
