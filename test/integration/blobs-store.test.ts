import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { blobKey, deleteBlob, getBlob, putBlob, tenantBlobs } from "../../worker/blobs/store";
import { readStream } from "../../worker/lib/gzip";
import { sha256Hex } from "../../worker/lib/hash";

const tenant = () => `tnt_${crypto.randomUUID().replaceAll("-", "")}`;
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("blob store (R2)", () => {
  it("keys content by tenant, kind and SHA-256 and streams it back", async () => {
    const blobs = tenantBlobs(env.BLOBS, { tenantId: tenant() });
    const content = '{"nodes": {}}';
    const sha = await sha256Hex(content);
    const put = await putBlob(blobs, "dbt-manifest", sha, content, { encoding: "identity" });
    expect(put).toEqual({ key: `t/${blobs.tenantId}/dbt-manifest/${sha}`, created: true });
    const got = await getBlob(blobs, put.key);
    expect(got?.size).toBe(content.length);
    expect(got?.metadata).toEqual({ encoding: "identity" });
    expect(text(await readStream(got!.body))).toBe(content);
  });

  it("identical content is stored once per tenant, also when two copies are put at the same moment", async () => {
    const blobs = tenantBlobs(env.BLOBS, { tenantId: tenant() });
    const sha = await sha256Hex("same");
    const [a, b] = await Promise.all([putBlob(blobs, "dbt-manifest", sha, "same"), putBlob(blobs, "dbt-manifest", sha, "same")]);
    expect(a.key).toBe(b.key);
    expect([a.created, b.created].filter(Boolean)).toHaveLength(1);
    expect(await putBlob(blobs, "dbt-manifest", sha, "same")).toEqual({ key: a.key, created: false });
    const listed = await env.BLOBS.list({ prefix: `t/${blobs.tenantId}/` });
    expect(listed.objects.map((o) => o.key)).toEqual([a.key]);
  });

  it("the same content of two tenants is two objects, and a tenant cannot read or delete the other's key", async () => {
    const mine = tenantBlobs(env.BLOBS, { tenantId: tenant() });
    const theirs = tenantBlobs(env.BLOBS, { tenantId: tenant() });
    const sha = await sha256Hex("shared text");
    const a = await putBlob(mine, "dbt-run-results", sha, "shared text");
    const b = await putBlob(theirs, "dbt-run-results", sha, "shared text");
    expect(a.created && b.created).toBe(true);
    expect(a.key).not.toBe(b.key);
    await expect(getBlob(mine, b.key)).rejects.toThrow(/outside the tenant's space/);
    await expect(deleteBlob(mine, b.key)).rejects.toThrow(/outside the tenant's space/);
    await expect(getBlob(mine, `t/${mine.tenantId}/../${theirs.tenantId}/dbt-run-results/${sha}`)).rejects.toThrow(/outside/);
    expect(await getBlob(theirs, b.key)).not.toBeNull();
  });

  it("keys are built only from a tenant id, a known kind and a SHA-256", async () => {
    const blobs = tenantBlobs(env.BLOBS, { tenantId: tenant() });
    expect(() => blobKey(blobs, "dbt-manifest", "../etc")).toThrow(/SHA-256/);
    expect(() => blobKey(blobs, "dbt-manifest", "A".repeat(64))).toThrow(/SHA-256/);
    expect(() => blobKey(blobs, "other" as never, "a".repeat(64))).toThrow(/kind/);
    expect(() => tenantBlobs(env.BLOBS, { tenantId: "tnt_a/../tnt_b" })).toThrow(/tenant id/);
  });

  it("a deleted blob reads as absent and can be stored again", async () => {
    const blobs = tenantBlobs(env.BLOBS, { tenantId: tenant() });
    const sha = await sha256Hex("gone");
    const { key } = await putBlob(blobs, "dbt-manifest", sha, "gone");
    await deleteBlob(blobs, key);
    expect(await getBlob(blobs, key)).toBeNull();
    expect((await putBlob(blobs, "dbt-manifest", sha, "gone")).created).toBe(true);
  });
});
