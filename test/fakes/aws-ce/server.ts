import { createHash } from "node:crypto";
import { startJsonServer, type FakeServer, type RecordedRequest } from "../http-server";
import { Scripts, type Reply } from "../scripting";
import { verifySigV4, type SigningKey } from "./sigv4";

/**
 * AWS Cost Explorer GetCostAndUsage (CONTRACTS-2 §4; botocore ce/2017-10-25), the one operation Tutti calls:
 *   POST /   Content-Type: application/x-amz-json-1.1, X-Amz-Target: AWSInsightsIndexService.GetCostAndUsage,
 *            SigV4-signed for service ce in us-east-1 (./sigv4.ts recomputes the signature with the key's secret)
 *   body     {TimePeriod{Start,End}, Granularity, Metrics[], GroupBy?[{Type: DIMENSION|TAG|COST_CATEGORY, Key}] (≤ 2), NextPageToken?}
 *   answer   {GroupDefinitions, ResultsByTime[{TimePeriod, Total: {}, Groups[{Keys, Metrics{<m>: {Amount, Unit}}}], Estimated}],
 *            DimensionValueAttributes: [], NextPageToken?}; tag group keys are "<key>$<value>", untagged "<key>$".
 * Pages hold PAGE_GROUPS groups (a day may continue on the next page, as AWS pages within a day); a page token is
 * good only for the identical request (RequestChangedException otherwise). Errors are JSON 1.1:
 * {"__type": "<ns>#<Name>", "message": …}, HTTP 400.
 * Only DAILY granularity and the TAG and DIMENSION LINKED_ACCOUNT group-bys are answered; Filter is refused. AWS also
 * refuses an End after the first day of next month ("end date past the beginning of next month"); that rule is not
 * checked here, because tests pin business time far from the real clock (Tutti asks for at most tomorrow).
 *
 * Billing data is registered per access key (tests run in parallel, each with its own key):
 *   PUT /__fake/accounts/{access_key_id}  {secret_access_key, session_token?, tag_key, unit?: "USD",
 *        days: [{day: "YYYY-MM-DD", estimated?: bool, lines: [{tag: value|null, account, UnblendedCost, AmortizedCost?, …}]}]}
 * Registering again replaces the data (a revised day: estimated → final, a late credit) and keeps the key.
 * Scripting (../scripting.ts) is keyed by access key id: `hold: ["get_cost_and_usage"]` keeps its calls waiting until
 * released, so a test can act while a collector pass is reading.
 * A cost-allocation tag other than the account's `tag_key` is not activated: every line falls in the untagged group.
 */

export const COST_EXPLORER_TARGET = "AWSInsightsIndexService.GetCostAndUsage";
const PAGE_GROUPS = 2;
const METRICS = new Set(["AmortizedCost", "BlendedCost", "NetAmortizedCost", "NetUnblendedCost", "NormalizedUsageAmount", "UnblendedCost", "UsageQuantity"]);
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

interface Line {
  tag: string | null;
  account: string;
  [metric: string]: string | null;
}
interface Account extends SigningKey {
  tagKey: string;
  unit: string;
  days: Map<string, { estimated: boolean; lines: Line[] }>;
}

const awsError = (type: string, message: string, status = 400): Reply => ({
  status,
  body: { __type: `com.amazon.coral.service#${type}`, message },
});

/** Decimal strings summed exactly (10 places), printed without trailing zeros. */
function sumDecimals(values: string[]): string {
  const SCALE = 10n ** 10n;
  let total = 0n;
  for (const v of values) {
    const [whole, frac = ""] = v.replace(/^-/, "").split(".");
    const n = BigInt(whole || "0") * SCALE + BigInt(`${frac}0000000000`.slice(0, 10));
    total += v.startsWith("-") ? -n : n;
  }
  const sign = total < 0n ? "-" : "";
  const abs = total < 0n ? -total : total;
  const frac = (abs % SCALE).toString().padStart(10, "0").replace(/0+$/, "");
  return `${sign}${abs / SCALE}${frac ? `.${frac}` : ""}`;
}

const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);

export async function startAwsCostExplorerFake(options: { port?: number } = {}): Promise<FakeServer & { accounts: Map<string, Account> }> {
  const accounts = new Map<string, Account>();
  const keys = new Map<string, SigningKey>();

  function register(accessKeyId: string, body: Record<string, unknown>): Reply {
    const days = new Map<string, { estimated: boolean; lines: Line[] }>();
    for (const d of (body.days as Array<{ day: string; estimated?: boolean; lines: Line[] }>) ?? [])
      days.set(d.day, { estimated: d.estimated ?? false, lines: d.lines });
    const account: Account = {
      secretAccessKey: String(body.secret_access_key),
      ...(body.session_token ? { sessionToken: String(body.session_token) } : {}),
      tagKey: String(body.tag_key),
      unit: typeof body.unit === "string" ? body.unit : "USD",
      days,
    };
    accounts.set(accessKeyId, account);
    keys.set(accessKeyId, account);
    return { status: 204 };
  }

  function getCostAndUsage(account: Account, input: Record<string, unknown>): Reply {
    const period = input.TimePeriod as { Start?: unknown; End?: unknown } | undefined;
    const start = period?.Start;
    const end = period?.End;
    if (typeof start !== "string" || typeof end !== "string" || !DAY.test(start) || !DAY.test(end))
      return awsError("ValidationException", "1 validation error detected: Value at 'timePeriod' failed to satisfy constraint: dates must be YYYY-MM-DD");
    if (start >= end) return awsError("ValidationException", "Start date (and hour) should be before end date (and hour)");
    if (input.Granularity !== "DAILY") return awsError("ValidationException", "this fake answers Granularity DAILY only");
    const metrics = input.Metrics;
    if (!Array.isArray(metrics) || !metrics.length || metrics.some((m) => !METRICS.has(m)))
      return awsError(
        "ValidationException",
        "Metrics must name at least one of AmortizedCost, BlendedCost, NetAmortizedCost, NetUnblendedCost, NormalizedUsageAmount, UnblendedCost, UsageQuantity",
      );
    if (input.Filter !== undefined) return awsError("ValidationException", "this fake does not evaluate Filter");
    const groupBy = (input.GroupBy ?? []) as Array<{ Type?: unknown; Key?: unknown }>;
    if (!Array.isArray(groupBy) || groupBy.length > 2)
      return awsError("ValidationException", "You can only group by up to two different dimensions/tags/cost categories");
    for (const g of groupBy) {
      if (g.Type === "TAG" && typeof g.Key === "string" && g.Key) continue;
      if (g.Type === "DIMENSION" && g.Key === "LINKED_ACCOUNT") continue;
      return awsError("ValidationException", `this fake groups by TAG and DIMENSION LINKED_ACCOUNT only, not ${String(g.Type)} ${String(g.Key)}`);
    }

    // Every (day, group) of the period in order; a day without groups is one empty item so it still appears.
    const items: Array<{ day: string; estimated: boolean; group: { Keys: string[]; Metrics: Record<string, { Amount: string; Unit: string }> } | null }> = [];
    for (let day = start; day < end; day = nextDay(day)) {
      const data = account.days.get(day);
      const grouped = new Map<string, Line[]>();
      for (const line of data?.lines ?? []) {
        const keysOf = groupBy.map((g) => (g.Type === "TAG" ? `${g.Key}$${g.Key === account.tagKey ? (line.tag ?? "") : ""}` : line.account));
        const k = JSON.stringify(keysOf);
        grouped.set(k, [...(grouped.get(k) ?? []), line]);
      }
      if (!grouped.size) items.push({ day, estimated: data?.estimated ?? false, group: null });
      for (const [k, lines] of [...grouped].sort(([a], [b]) => (a < b ? -1 : 1)))
        items.push({
          day,
          estimated: data?.estimated ?? false,
          group: {
            Keys: JSON.parse(k),
            Metrics: Object.fromEntries(
              (metrics as string[]).map((m) => [m, { Amount: sumDecimals(lines.map((l) => l[m] ?? "0")), Unit: m === "UsageQuantity" ? "N/A" : account.unit }]),
            ),
          },
        });
    }

    const requestHash = createHash("sha256")
      .update(JSON.stringify({ ...input, NextPageToken: undefined }))
      .digest("hex")
      .slice(0, 16);
    let offset = 0;
    if (input.NextPageToken !== undefined) {
      const [hash, at] = String(input.NextPageToken).split(".");
      if (!hash || !/^\d+$/.test(at ?? "") || Number(at) >= items.length) return awsError("InvalidNextTokenException", "The next page token is invalid.");
      if (hash !== requestHash)
        return awsError("RequestChangedException", "The request was changed between pages; send the identical request with the NextPageToken.");
      offset = Number(at);
    }
    const page = items.slice(offset, offset + PAGE_GROUPS);
    const results: Array<Record<string, unknown>> = [];
    for (const item of page) {
      let entry = results.at(-1);
      if (!entry || (entry.TimePeriod as { Start: string }).Start !== item.day) {
        entry = { TimePeriod: { Start: item.day, End: nextDay(item.day) }, Total: groupBy.length ? {} : undefined, Groups: [], Estimated: item.estimated };
        results.push(entry);
      }
      if (item.group) (entry.Groups as unknown[]).push(item.group);
    }
    const next = offset + PAGE_GROUPS < items.length ? `${requestHash}.${offset + PAGE_GROUPS}` : undefined;
    return {
      status: 200,
      body: {
        ...(next ? { NextPageToken: next } : {}),
        GroupDefinitions: groupBy,
        ResultsByTime: results,
        DimensionValueAttributes: [],
      },
    };
  }

  const scripts = new Scripts("Cost Explorer");

  async function handle(req: RecordedRequest, url: URL): Promise<Reply> {
    const control = /^\/__fake\/accounts\/([^/]+)$/.exec(url.pathname);
    if (control && req.method === "PUT") return register(decodeURIComponent(control[1]), JSON.parse(req.body || "{}"));
    const scripted = scripts.control(req, url);
    if (scripted) return scripted;
    if (req.method !== "POST" || url.pathname !== "/") return { status: 404, body: { message: "Not Found" } };
    const failure = verifySigV4(req, url, { service: "ce", region: "us-east-1", keys, now: Date.now() });
    if (failure) return awsError(failure.type, failure.message, failure.type === "MissingAuthenticationTokenException" ? 403 : 400);
    if (req.headers["x-amz-target"] !== COST_EXPLORER_TARGET) return awsError("UnknownOperationException", "");
    if (req.headers["content-type"] !== "application/x-amz-json-1.1")
      return awsError("SerializationException", "Start of structure or map found where not expected.");
    let input: unknown;
    try {
      input = JSON.parse(req.body);
    } catch {
      return awsError("SerializationException", "Unexpected character in the request body");
    }
    if (input === null || typeof input !== "object" || Array.isArray(input)) return awsError("SerializationException", "Start of structure or map expected");
    const accessKeyId = /Credential=([^/]+)\//.exec(String(req.headers.authorization))![1];
    await scripts.gate(accessKeyId, "get_cost_and_usage");
    return getCostAndUsage(accounts.get(accessKeyId)!, input as Record<string, unknown>);
  }

  const server = await startJsonServer(async (req, url) => {
    const reply = await handle(req, url);
    return {
      status: reply.status,
      body: reply.body,
      headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": crypto.randomUUID(), ...reply.headers },
    };
  }, options.port);
  return { ...server, accounts };
}
