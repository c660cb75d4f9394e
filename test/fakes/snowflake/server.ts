import { createHash, createPublicKey, createVerify, randomUUID } from "node:crypto";
import { startJsonServer, type FakeServer } from "../http-server";
import { Scripts, type Reply } from "../scripting";
import { createAccountUsage, type ResultColumns } from "./account-usage";
import { createFivetranMetadata } from "./fivetran-metadata";
import { countStatements } from "./statement-count";

/**
 * Snowflake SQL API v2 (CONTRACTS §6):
 *   POST /api/v2/statements?requestId=<uuid>&async=<bool>&retry=<bool>   body {statement, timeout?, database?, schema?, warehouse?, role?, bindings?, parameters{query_tag, MULTI_STATEMENT_COUNT}}
 *        → 202 {code: "333334", statementHandle, statementStatusUrl} (async, or still running); 200 result when done synchronously
 *        Resubmitting a requestId seen before with retry=true returns that statement and does not execute it again;
 *        without retry=true the statement executes a second time ("Resubmitting a request to execute SQL statements",
 *        https://docs.snowflake.com/en/developer-guide/sql-api/submitting-requests: POST …?requestId=<id>&retry=true).
 *   GET  /api/v2/statements/{handle}?partition=N   202 running; 200 {resultSetMetaData{numRows, partitionInfo[]}, data[][], stats}; 422 failed; 408 timed out
 *   POST /api/v2/statements/{handle}/cancel
 * Auth: `Authorization: Bearer …` with X-Snowflake-Authorization-Token-Type OAUTH (the configured token), or KEYPAIR_JWT
 * (RS256, verified against the public key registered with PUT /__fake/keys/{USER}, iss ACCOUNT.USER.SHA256:<fp>, sub,
 * exp ≤ iat + 3600). A User-Agent is required. Plans are keyed by statement text: {polls, outcome: "success"|"error"|"timeout", rows?, dml?, errors: {submit|status: […]},
 * lost_submits?: n (the statement runs, but the first n submit responses are lost: 504 Gateway Timeout)}.
 * `dml: {numRowsInserted?, numRowsUpdated?, numRowsDeleted?}` makes the statement a DML one: its result is the one row
 * of counts Snowflake answers for INSERT/UPDATE/DELETE/MERGE ("number of rows inserted", …) and `stats` carries the
 * counts (sqlapi.yaml ResultSet.stats: "these stats might not be available for each request"; a query has none).
 * `results: [{rowType, data}, …]` fixes what a query answers, by execution: the n-th execution of the text gets the
 * n-th result set (the last one every time after), so a sensor's query can turn true after some pokes. `rowType[].type`
 * is Snowflake's (`boolean`, `fixed`, `text`, …) and every value in `data` a string or null (CONTRACTS-2 §1).
 * A synchronous submit of a statement with `polls` left answers 202, or 408 when its `timeout` is under the ~45 s the
 * SQL API waits (the statement times out first and is cancelled).
 * GET /__fake/executions/{statement text} lists the handles of every execution of that text.
 * Statements reading SNOWFLAKE.ACCOUNT_USAGE views are answered from rows registered per role (./account-usage.ts),
 * and those reading the Fivetran Platform Connector's INCREMENTAL_MAR from its table registered per role
 * (./fivetran-metadata.ts); their results come in partitions of two rows, and partitions after the first carry only `data` (CONTRACTS-2 §1
 * ⚠️: "N>0 bodies may omit resultSetMetaData").
 */
interface Statement {
  handle: string;
  requestId: string;
  text: string;
  body: Record<string, unknown>;
  count: number;
  pollsLeft: number;
  status: "running" | "success" | "error" | "timeout" | "cancelled";
  outcome: "success" | "error" | "timeout";
  rows: number;
  createdOn: number;
  children: string[];
  /** Rows of an ACCOUNT_USAGE or INCREMENTAL_MAR query; other statements answer generated rows. */
  result?: ResultColumns;
  /** A DML statement's counts (plan `dml`). */
  dml?: DmlStats;
}

interface DmlStats {
  numRowsInserted?: number;
  numRowsUpdated?: number;
  numRowsDeleted?: number;
}

/** The result columns Snowflake answers for a DML statement, by the stats field each one counts. */
const DML_COLUMNS: Array<[keyof DmlStats, string]> = [
  ["numRowsInserted", "number of rows inserted"],
  ["numRowsUpdated", "number of rows updated"],
  ["numRowsDeleted", "number of rows deleted"],
];

/** A DML statement's result set: one row of counts, and the same counts in `stats`. */
function dmlResult(dml: DmlStats): ResultColumns & { stats: Record<string, number> } {
  const columns = DML_COLUMNS.filter(([key]) => dml[key] !== undefined);
  return {
    rowType: columns.map(([, name]) => ({ name, type: "fixed", nullable: false, length: 0, precision: 19, scale: 0 })),
    data: [columns.map(([key]) => String(dml[key]))],
    stats: {
      numRowsInserted: dml.numRowsInserted ?? 0,
      numRowsUpdated: dml.numRowsUpdated ?? 0,
      numRowsDeleted: dml.numRowsDeleted ?? 0,
      numDuplicateRowsUpdated: 0,
    },
  };
}

export interface SnowflakeFakeOptions {
  account: string;
  token: string;
  port?: number;
  autoAdvanceMs?: number;
}

export interface SnowflakeFake extends FakeServer {
  statements: Map<string, Statement>;
}

const PARTITION_ROWS = 2;
/** How long the SQL API holds a synchronous request before it answers 202 (CONTRACTS-2 §1: "after ~45 s"). */
const SYNC_WAIT_SECONDS = 45;
const unsupported = /^\s*(put|get|use|alter\s+session|begin|commit|rollback)\b/i;
const fail = (status: number, code: string, message: string, extra: Record<string, unknown> = {}): Reply => ({ status, body: { code, message, ...extra } });

function b64urlJson(part: string): Record<string, unknown> | null {
  try {
    return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** The plan's `results` entry for the statement's `executions`-th run (0-based; the last entry once they run out). */
function scriptedResult(results: unknown, executions: number): ResultColumns | undefined {
  if (!Array.isArray(results) || results.length === 0) return undefined;
  const r = results[Math.min(executions, results.length - 1)] as { rowType: Array<Partial<ResultColumns["rowType"][number]>>; data: ResultColumns["data"] };
  return {
    rowType: r.rowType.map((c) => ({ name: "", type: "text", nullable: true, length: 0, precision: 0, scale: 0, ...c })),
    data: r.data,
  };
}

export async function startSnowflakeFake(options: SnowflakeFakeOptions): Promise<SnowflakeFake> {
  const statements = new Map<string, Statement>();
  const byRequest = new Map<string, string>();
  /** Submit responses already lost per statement text (plan.lost_submits). */
  const lost = new Map<string, number>();
  const publicKeys = new Map<string, string>();
  const scripts = new Scripts("Snowflake");
  const accountUsage = createAccountUsage();
  const fivetranMetadata = createFivetranMetadata();
  const account = options.account.split(".")[0].toUpperCase();

  /** Checks a key-pair JWT the way Snowflake does: signature, issuer fingerprint, subject, lifetime. */
  function verifyJwt(token: string): string | null {
    const [h, p, sig] = token.split(".");
    const header = h ? b64urlJson(h) : null;
    const payload = p ? b64urlJson(p) : null;
    if (!header || !payload || !sig || header.alg !== "RS256") return "JWT token is invalid.";
    const sub = String(payload.sub ?? "");
    const [subAccount, user] = sub.split(".");
    if (subAccount !== account || !user) return `JWT subject ${sub} does not match account ${account}.`;
    const pem = publicKeys.get(user);
    if (!pem) return `No public key registered for user ${user}.`;
    const key = createPublicKey(pem);
    const fp = `SHA256:${createHash("sha256")
      .update(key.export({ type: "spki", format: "der" }))
      .digest("base64")}`;
    if (payload.iss !== `${sub}.${fp}`) return "JWT issuer does not carry the user's public key fingerprint.";
    const iat = Number(payload.iat);
    const exp = Number(payload.exp);
    const now = Date.now() / 1000;
    if (!Number.isFinite(iat) || !Number.isFinite(exp) || exp > iat + 3600 || exp < now || iat > now + 60)
      return "JWT token has expired or has an invalid lifetime.";
    const ok = createVerify("RSA-SHA256").update(`${h}.${p}`).verify(key, Buffer.from(sig, "base64url"));
    return ok ? null : "JWT token is invalid.";
  }

  function authError(headers: Record<string, string | string[] | undefined>): Reply | null {
    const auth = headers.authorization;
    const type = (headers["x-snowflake-authorization-token-type"] as string | undefined) ?? "OAUTH";
    if (typeof auth !== "string" || !auth.startsWith("Bearer ")) return fail(401, "390101", "Authorization header is missing or malformed.");
    const token = auth.slice(7);
    if (type === "KEYPAIR_JWT") {
      const problem = verifyJwt(token);
      return problem ? fail(401, "390144", problem) : null;
    }
    if ((type === "OAUTH" || type === "PROGRAMMATIC_ACCESS_TOKEN") && token === options.token) return null;
    return fail(401, "390303", "Invalid OAuth access token.");
  }

  const done = (st: Statement) => st.status !== "running";

  function result(st: Statement, partition: number) {
    const dml = st.dml ? dmlResult(st.dml) : null;
    const fixed = dml ?? st.result;
    const partitions = Math.max(1, Math.ceil(st.rows / PARTITION_ROWS));
    const rows = fixed?.data ?? Array.from({ length: st.rows }, (_, i) => [String(i + 1), `row ${i + 1}`]);
    const slice = rows.slice(partition * PARTITION_ROWS, (partition + 1) * PARTITION_ROWS);
    if (partition > 0) return { data: slice };
    return {
      code: "090001",
      sqlState: "00000",
      message: "Statement executed successfully.",
      statementHandle: st.handle,
      ...(st.children.length ? { statementHandles: st.children } : {}),
      createdOn: st.createdOn,
      statementStatusUrl: `/api/v2/statements/${st.handle}?requestId=${st.requestId}`,
      resultSetMetaData: {
        numRows: st.rows,
        format: "jsonv2",
        partitionInfo: Array.from({ length: partitions }, (_, i) => ({
          rowCount: Math.min(PARTITION_ROWS, st.rows - i * PARTITION_ROWS),
          uncompressedSize: 64,
        })),
        rowType: fixed?.rowType ?? [
          { name: "ID", database: "", schema: "", table: "", type: "fixed", nullable: false, precision: 38, scale: 0, byteLength: null, length: null },
          { name: "LABEL", database: "", schema: "", table: "", type: "text", nullable: true, precision: null, scale: null, byteLength: 64, length: 64 },
        ],
      },
      data: slice,
      ...(dml ? { stats: dml.stats } : {}),
    };
  }

  function answer(st: Statement, partition = 0): Reply {
    switch (st.status) {
      case "running":
        return {
          status: 202,
          body: {
            code: "333334",
            message: "Asynchronous execution in progress. Use provided query id to perform query monitoring and management.",
            statementHandle: st.handle,
            statementStatusUrl: `/api/v2/statements/${st.handle}`,
          },
        };
      case "success":
        return { status: 200, body: result(st, partition) };
      case "error":
        return fail(422, "002003", "SQL compilation error:\nObject 'ANALYTICS.PUBLIC.MISSING' does not exist or not authorized.", {
          sqlState: "42S02",
          statementHandle: st.handle,
        });
      case "timeout":
        return fail(408, "000630", "Statement reached its statement or warehouse timeout of 10 second(s) and was canceled.", {
          sqlState: "57014",
          statementHandle: st.handle,
        });
      case "cancelled":
        return fail(422, "000604", "SQL execution canceled", { sqlState: "57014", statementHandle: st.handle });
    }
  }

  function advance(st: Statement) {
    if (done(st)) return;
    if (st.pollsLeft > 0) st.pollsLeft -= 1;
    else st.status = st.outcome;
  }

  scripts.onComplete = (key, outcome) => {
    const st = [...statements.values()].filter((x) => x.text === key).pop();
    if (!st) return false;
    if (!done(st)) st.status = (outcome as Statement["outcome"]) ?? st.outcome;
    return true;
  };

  const server = await startJsonServer(async (req, url) => {
    const parts = url.pathname.split("/").filter(Boolean);
    if (req.method === "PUT" && parts[0] === "__fake" && parts[1] === "keys") {
      publicKeys.set(decodeURIComponent(parts[2]).toUpperCase(), (JSON.parse(req.body) as { public_key: string }).public_key);
      return { status: 204 };
    }
    if (req.method === "PUT" && parts[0] === "__fake" && parts[1] === "account-usage") {
      accountUsage.register(decodeURIComponent(parts[2]), JSON.parse(req.body));
      return { status: 204 };
    }
    if (req.method === "PUT" && parts[0] === "__fake" && parts[1] === "fivetran-metadata") {
      fivetranMetadata.register(decodeURIComponent(parts[2]), JSON.parse(req.body));
      return { status: 204 };
    }
    if (req.method === "GET" && parts[0] === "__fake" && parts[1] === "executions") {
      const text = decodeURIComponent(parts.slice(2).join("/"));
      return { status: 200, body: [...statements.values()].filter((st) => st.text === text).map((st) => st.handle) };
    }
    const control = scripts.control(req, url);
    if (control) return control;
    if (!req.headers["user-agent"]) return fail(400, "390100", "User-Agent header is required.");
    const denied = authError(req.headers);
    if (denied) return denied;
    if (parts[0] !== "api" || parts[1] !== "v2" || parts[2] !== "statements") return fail(404, "000404", "Not found.");

    if (req.method === "POST" && parts.length === 3) {
      const requestId = url.searchParams.get("requestId") ?? randomUUID();
      const body = JSON.parse(req.body || "{}") as Record<string, unknown>;
      const text = String(body.statement ?? "");
      const scripted = scripts.takeError(text, "submit");
      if (scripted) return scripted;
      const known = byRequest.get(requestId);
      if (known && url.searchParams.get("retry") === "true") return answer(statements.get(known)!);
      if (!text.trim()) return fail(400, "000900", "SQL statement is empty.");
      if (unsupported.test(text)) return fail(422, "391911", "Unsupported statement type for the SQL API.", { sqlState: "0A000" });
      const count = countStatements(text);
      const declared = (body.parameters as Record<string, unknown> | undefined)?.MULTI_STATEMENT_COUNT;
      const wanted = declared === undefined ? 1 : Number(declared);
      if (wanted !== 0 && wanted !== count)
        return fail(422, "000008", `Actual statement count ${count} did not match the desired statement count ${wanted}.`, { sqlState: "0A000" });
      const bindings = Object.entries((body.bindings as Record<string, { value: string }> | undefined) ?? {})
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([, b]) => b.value);
      const usage =
        accountUsage.answer(text, body.role as string | undefined, bindings) ?? fivetranMetadata.answer(text, body.role as string | undefined, bindings);
      if (usage && "error" in usage)
        return fail(usage.error.status, usage.error.code, usage.error.message, { sqlState: usage.error.sqlState, statementHandle: randomUUID() });
      const plan = scripts.plan(text);
      const planned = scriptedResult(plan.results, [...statements.values()].filter((x) => x.text === text).length);
      const result = usage?.result ?? planned;
      const st: Statement = {
        handle: randomUUID(),
        requestId,
        text,
        body,
        count,
        pollsLeft: Number(plan.polls ?? 0),
        status: "running",
        outcome: (plan.outcome as Statement["outcome"]) ?? "success",
        rows: result ? result.data.length : plan.dml ? 1 : typeof plan.rows === "number" ? plan.rows : 3,
        createdOn: Date.now(),
        children: count > 1 ? Array.from({ length: count }, () => randomUUID()) : [],
        ...(result ? { result } : {}),
        ...(plan.dml && !result ? { dml: plan.dml as DmlStats } : {}),
      };
      statements.set(st.handle, st);
      byRequest.set(requestId, st.handle);
      if (options.autoAdvanceMs) {
        const timer = setInterval(() => (done(st) ? clearInterval(timer) : advance(st)), options.autoAdvanceMs);
        timer.unref();
      }
      // A synchronous request for a statement that finishes at once gets its result; otherwise 202 (after ~45 s), unless
      // the statement's own `timeout` comes first: Snowflake then cancels it and answers 408.
      const sync = url.searchParams.get("async") !== "true";
      const timeout = Number(body.timeout ?? 0);
      if (sync && st.pollsLeft === 0) st.status = st.outcome;
      else if (sync && timeout > 0 && timeout < SYNC_WAIT_SECONDS) st.status = "timeout";
      await scripts.gate(text, "submit");
      if (Number(plan.lost_submits ?? 0) > (lost.get(text) ?? 0)) {
        lost.set(text, (lost.get(text) ?? 0) + 1);
        return { status: 504, body: { code: "000504", message: "Gateway Timeout" } };
      }
      return answer(st);
    }

    const st = statements.get(decodeURIComponent(parts[3] ?? ""));
    if (!st) return fail(404, "000404", `Statement ${parts[3]} not found.`);
    if (req.method === "GET" && parts.length === 4) {
      const scripted = scripts.takeError(st.text, "status");
      if (scripted) return scripted;
      const partition = Number(url.searchParams.get("partition") ?? 0);
      if (partition === 0 && !options.autoAdvanceMs) advance(st);
      return answer(st, partition);
    }
    if (req.method === "POST" && parts[4] === "cancel") {
      if (done(st)) return fail(422, "000605", "Statement already completed.", { sqlState: "57014", statementHandle: st.handle });
      st.status = "cancelled";
      return { status: 200, body: { code: "000604", sqlState: "57014", message: "SQL execution canceled", statementHandle: st.handle } };
    }
    return fail(404, "000404", "Not found.");
  }, options.port);
  return { ...server, statements };
}
