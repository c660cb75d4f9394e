import { workerFetch } from "../helpers/worker-fetch";
import { describe, expect, it } from "vitest";
import { bodyLimitFor } from "../../worker/middleware/body-limit";
import { api, BASE, expectError } from "../helpers/api";
import { gzipBomb } from "../helpers/gzip-bomb";
import { lineageRowCounts, lineageTenant } from "../helpers/lineage";

const MiB = 1024 * 1024;
const BOUNDARY = "tutti-bomb";

/** A multipart/form-data text with two fields and the start of a `manifest` file part, left open for the bomb. */
const formHead = [
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="project"\r\n\r\njaffle\r\n`,
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="environment"\r\n\r\nprod\r\n`,
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="manifest"; filename="manifest.json"\r\nContent-Type: application/json\r\n\r\n`,
].join("");

async function post(token: string, body: BodyInit, headers: Record<string, string>) {
  const started = Date.now();
  const res = await workerFetch(`${BASE}/api/v1/dbt/artifacts`, { method: "POST", headers: { authorization: `Bearer ${token}`, ...headers }, body });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, ms: Date.now() - started };
}

async function nothingStored(tenantId: string, token: string) {
  expect(Object.values(await lineageRowCounts(tenantId)).every((n) => n === 0)).toBe(true);
  expect((await api("/dbt/projects", { as: token })).json.items).toEqual([]);
}

describe("gzip bombs are stopped while they inflate", () => {
  it("a gzip-encoded multipart upload (1 MiB inflating to 160 MiB) is refused with 413 before formData holds it", async () => {
    const { s, token } = await lineageTenant();
    // The manifest part is a JSON object opening followed by whitespace: valid so far, so only the size stops it.
    const bomb = gzipBomb(`${formHead}{"metadata":`, " ", 160 * MiB);
    expect(bomb.length).toBeLessThan(1.05 * MiB);
    const res = await post(token, bomb, { "content-type": `multipart/form-data; boundary=${BOUNDARY}`, "content-encoding": "gzip" });
    expectError(res, 413, "payload_too_large");
    const limit = bodyLimitFor("/api/v1/dbt/artifacts");
    expect(res.json.error.message).toBe(`multipart body is larger than ${limit / MiB} MiB (${limit} bytes) after decompression`);
    console.log(`gzip-encoded multipart bomb answered in ${res.ms} ms`);
    await nothingStored(s.tenant.id, token);
  });

  it("a gzip-encoded JSON upload and a gzip-encoded lineage batch are refused with 413 the same way", async () => {
    const { s, token } = await lineageTenant();
    const dbt = await post(token, gzipBomb('{"project":"jaffle","environment":"prod","manifest":', " ", 160 * MiB), {
      "content-type": "application/json",
      "content-encoding": "gzip",
    });
    expectError(dbt, 413, "payload_too_large");
    expect(dbt.json.error.message).toContain("larger than 16 MiB");
    const lineage = await api("/lineage/batch", {
      as: token,
      rawBody: gzipBomb("[", " ", 160 * MiB),
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
    });
    expectError(lineage, 413, "payload_too_large");
    expect(lineage.json.error.message).toContain("larger than 8 MiB");
    await nothingStored(s.tenant.id, token);
  });

  it("a corrupt gzip body is a 400, not a 5xx", async () => {
    const { token } = await lineageTenant();
    const res = await post(token, new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7]), {
      "content-type": `multipart/form-data; boundary=${BOUNDARY}`,
      "content-encoding": "gzip",
    });
    expectError(res, 400, "validation_failed");
  });
});
