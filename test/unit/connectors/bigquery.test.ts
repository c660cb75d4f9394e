import { describe, expect, it } from "vitest";
import { parseServiceAccountKey, SCOPE, serviceAccountAssertion } from "../../../worker/connectors/bigquery/auth";
import { bigQueryError } from "../../../worker/connectors/bigquery/client";
import { decodeRows, schemaFields } from "../../../worker/connectors/bigquery/rows";
import { BigQueryConfig } from "../../../worker/connectors/bigquery/schema";
import { bigQueryJobState, jobIdFor, labelValue } from "../../../worker/connectors/bigquery/status";
import { connectionKind } from "../../../worker/connectors/registry";
import { fromBase64, utf8 } from "../../../worker/lib/encoding";
import { destinationProblems } from "../../../worker/lib/destinations";
import { keyPair } from "../../helpers/rsa-keys";

const googleError = (status: number, reason: string, message: string) => ({
  status,
  headers: new Headers(),
  text: "",
  ok: false,
  json: { error: { code: status, message, errors: [{ message, domain: "global", reason }], status: "X" } },
});

describe("BigQuery result rows", () => {
  // The shape CONTRACTS-2 §2 records: scalars as strings, REPEATED as [{v}], RECORD as {f: [...]}, columns by schema.fields.
  const result = {
    schema: {
      fields: [
        { name: "job_id", type: "STRING", mode: "NULLABLE" },
        { name: "total_bytes_billed", type: "INTEGER", mode: "NULLABLE" },
        {
          name: "labels",
          type: "RECORD",
          mode: "REPEATED",
          fields: [
            { name: "key", type: "STRING" },
            { name: "value", type: "STRING" },
          ],
        },
        { name: "error_result", type: "RECORD", mode: "NULLABLE", fields: [{ name: "reason", type: "STRING" }] },
        { name: "tags", type: "STRING", mode: "REPEATED" },
      ],
    },
    rows: [
      {
        f: [
          { v: "j1" },
          { v: "9007199254740993" },
          { v: [{ v: { f: [{ v: "team" }, { v: "finance" }] } }] },
          { v: { f: [{ v: "stopped" }] } },
          { v: [{ v: "a" }, { v: "b" }] },
        ],
      },
      { f: [{ v: "j2" }, { v: null }, { v: [] }, { v: null }, { v: null }] },
    ],
  };

  it("reads columns by name, keeps int64 as exact text and decodes repeated and nested records", () => {
    expect(decodeRows(schemaFields(result), result)).toEqual([
      {
        job_id: "j1",
        total_bytes_billed: "9007199254740993",
        labels: [{ key: "team", value: "finance" }],
        error_result: { reason: "stopped" },
        tags: ["a", "b"],
      },
      { job_id: "j2", total_bytes_billed: null, labels: [], error_result: null, tags: [] },
    ]);
  });

  it("a page without rows (an empty result) decodes to none; a reply without a schema is an error", () => {
    expect(decodeRows(schemaFields(result), { ...result, rows: undefined })).toEqual([]);
    expect(() => schemaFields({ jobComplete: true })).toThrow("the BigQuery result has no schema");
  });
});

describe("BigQuery jobs", () => {
  it("maps PENDING/RUNNING to running, DONE without errorResult to success even with errors[], stopped to cancelled", () => {
    expect(bigQueryJobState({ status: { state: "PENDING" } })).toEqual({ state: "running" });
    expect(bigQueryJobState({ status: { state: "RUNNING" } })).toEqual({ state: "running" });
    expect(bigQueryJobState({ status: { state: "DONE", errors: [{ reason: "invalid", message: "warning" }] } })).toEqual({ state: "succeeded" });
    expect(bigQueryJobState({ status: { state: "DONE", errorResult: { reason: "invalidQuery", message: "Syntax error" } } })).toEqual({
      state: "failed",
      message: "the BigQuery job failed (invalidQuery): Syntax error",
    });
    expect(bigQueryJobState({ status: { state: "DONE", errorResult: { reason: "stopped", message: "Job execution was cancelled" } } })).toEqual({
      state: "cancelled",
      message: "the job was cancelled in BigQuery: Job execution was cancelled",
    });
  });

  it("names a job per attempt with only the characters BigQuery allows, and labels with lowercase values of at most 63", () => {
    expect(jobIdFor({ runId: "run_abc123", taskKey: "load.orders", attempt: 2 })).toBe("tutti_run_abc123_load_orders_2");
    expect(labelValue("Load.Orders")).toBe("load_orders");
    expect(labelValue("x".repeat(70))).toHaveLength(63);
  });

  it("treats 403 rateLimitExceeded as a rate limit and backendError as a tool failure, other 403s as auth", () => {
    expect(bigQueryError(googleError(403, "rateLimitExceeded", "Exceeded rate limits")).kind).toBe("rate_limited");
    expect(bigQueryError(googleError(500, "backendError", "Backend error")).kind).toBe("tool_failure");
    expect(bigQueryError(googleError(403, "accessDenied", "Access Denied"))).toMatchObject({
      kind: "auth",
      message: expect.stringContaining("accessDenied: Access Denied"),
    });
  });
});

describe("service account keys", () => {
  it("reads Google's key file and says what is wrong with anything else, never quoting it", () => {
    const key = {
      type: "service_account",
      client_email: "svc@p.iam.gserviceaccount.com",
      private_key: "-----BEGIN PRIVATE KEY-----\nAAA\n-----END PRIVATE KEY-----\n",
      private_key_id: "k1",
    };
    expect(parseServiceAccountKey(JSON.stringify(key))).toEqual({ client_email: key.client_email, private_key: key.private_key, private_key_id: "k1" });
    expect(parseServiceAccountKey("not json secret-value")).toEqual({ problem: "must be the service account's JSON key file as Google Cloud downloads it" });
    expect(parseServiceAccountKey(JSON.stringify({ ...key, client_email: undefined }))).toEqual({ problem: "has no client_email" });
    expect(parseServiceAccountKey(JSON.stringify({ ...key, private_key: "-----BEGIN RSA PRIVATE KEY-----" }))).toEqual({
      problem: "has no PKCS#8 private_key (-----BEGIN PRIVATE KEY-----)",
    });
  });

  it("signs an RS256 assertion Google's token endpoint accepts: kid, iss, scope, aud, an hour's lifetime", async () => {
    const keys = await keyPair();
    const jwt = await serviceAccountAssertion(
      { client_email: "svc@p.iam.gserviceaccount.com", private_key: keys.privatePem, private_key_id: "kid-1" },
      "https://oauth2.googleapis.com/token",
      1_716_163_200,
    );
    const [h, p, sig] = jwt.split(".");
    const json = (part: string) =>
      JSON.parse(
        new TextDecoder().decode(
          fromBase64(
            part
              .replaceAll("-", "+")
              .replaceAll("_", "/")
              .padEnd(Math.ceil(part.length / 4) * 4, "="),
          ),
        ),
      );
    expect(json(h)).toEqual({ alg: "RS256", typ: "JWT", kid: "kid-1" });
    expect(json(p)).toEqual({
      iss: "svc@p.iam.gserviceaccount.com",
      scope: SCOPE,
      aud: "https://oauth2.googleapis.com/token",
      iat: 1_716_163_200,
      exp: 1_716_166_800,
    });
    const spki = fromBase64(keys.publicPem.replace(/-----(BEGIN|END) PUBLIC KEY-----|\s/g, ""));
    const publicKey = await crypto.subtle.importKey("spki", spki, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["verify"]);
    const signature = fromBase64(
      sig
        .replaceAll("-", "+")
        .replaceAll("_", "/")
        .padEnd(Math.ceil(sig.length / 4) * 4, "="),
    );
    expect(await crypto.subtle.verify("RSASSA-PKCS1-v1_5", publicKey, signature, utf8(`${h}.${p}`))).toBe(true);
  });
});

describe("where a BigQuery connection sends its key", () => {
  const kind = connectionKind("bigquery")!;
  it("defaults to Google's API and token endpoint", () => {
    expect(BigQueryConfig.parse({ project_id: "acme-prod" })).toEqual({
      project_id: "acme-prod",
      location: "US",
      api_url: "https://bigquery.googleapis.com",
      token_url: "https://oauth2.googleapis.com/token",
    });
  });

  it("outside local development accepts only googleapis.com hosts for the API and the token endpoint", () => {
    const config = (extra: Record<string, string>) => ({ ...BigQueryConfig.parse({ project_id: "acme-prod" }), ...extra });
    expect(destinationProblems(kind, config({}), ["service_account_key"], {}, "production")).toEqual([]);
    expect(
      destinationProblems(kind, config({ api_url: "https://bigquery.us-central1.rep.googleapis.com" }), ["service_account_key"], {}, "production"),
    ).toEqual([]);
    const message = "must be a googleapis.com host: the service account key is used only toward Google";
    expect(
      destinationProblems(
        kind,
        config({ api_url: "https://bigquery.example.com", token_url: "https://googleapis.com.evil.example/token" }),
        ["service_account_key"],
        {},
        "production",
      ),
    ).toEqual([
      { path: "config.api_url", message },
      { path: "config.token_url", message },
    ]);
    // Local development (and the tests' fakes) may point it elsewhere.
    expect(destinationProblems(kind, config({ api_url: "http://127.0.0.1:9" }), ["service_account_key"], {}, "test")).toEqual([]);
  });
});
