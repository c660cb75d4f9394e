import { describe, expect, it } from "vitest";
import { ApiError } from "../../../worker/lib/errors";
import { gzip, inflateBounded, readStream } from "../../../worker/lib/gzip";
import { readArtifact } from "../../../worker/ingest/artifact";
import { gzipBomb } from "../../helpers/gzip-bomb";

const MiB = 1024 * 1024;

/** `data` as a stream in 64 KiB pieces, counting how much of it was read. */
function counted(data: Uint8Array) {
  const read = { bytes: 0 };
  let offset = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= data.length) return controller.close();
      const piece = data.subarray(offset, offset + 64 * 1024);
      offset += piece.length;
      read.bytes += piece.length;
      controller.enqueue(piece);
    },
  });
  return { stream, read };
}

describe("inflateBounded", () => {
  it("the bomb helper makes a valid gzip file: ~1 MiB inflating to 160 MiB", async () => {
    const bomb = gzipBomb("{", " ", 3000);
    expect(new TextDecoder().decode(await readStream(inflateBounded(new Blob([bomb]).stream(), "gzip", 3000, "x")))).toBe(`{${" ".repeat(2999)}`);
    expect(gzipBomb("", " ", 160 * MiB).length).toBeLessThan(1.05 * MiB);
  });

  it("stops a gzip bomb with 413 naming the limit as soon as the output passes it, having read little of the input", async () => {
    const bomb = gzipBomb("[", " ", 160 * MiB);
    const { stream, read } = counted(bomb);
    const err = await readStream(inflateBounded(stream, "gzip", 4 * MiB, "body")).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: "payload_too_large", message: "body is larger than 4 MiB (4194304 bytes) after decompression" });
    // 4 MiB of output needs ~26 KiB of this input; the inflater is fed 16 KiB at a time, in 64 KiB pieces here.
    expect(read.bytes).toBeLessThanOrEqual(128 * 1024);
  });

  it("passes data under the limit through unchanged, at any input chunking", async () => {
    const text = JSON.stringify({ rows: Array.from({ length: 5000 }, (_, i) => ({ i, name: `row ${i}` })) });
    const packed = await gzip(new TextEncoder().encode(text));
    const out = await readStream(inflateBounded(counted(packed).stream, "gzip", text.length, "body"));
    expect(new TextDecoder().decode(out)).toBe(text);
    await expect(readStream(inflateBounded(counted(packed).stream, "gzip", text.length - 1, "body"))).rejects.toMatchObject({ code: "payload_too_large" });
  });

  it("answers corrupt or truncated data with 400", async () => {
    const packed = await gzip(new TextEncoder().encode("x".repeat(100_000)));
    for (const bad of [new Uint8Array([1, 2, 3, 4, 5]), packed.subarray(0, packed.length - 20)]) {
      await expect(readStream(inflateBounded(new Blob([bad]).stream(), "gzip", MiB, "body"))).rejects.toMatchObject({
        code: "validation_failed",
        details: [{ path: "body", message: "corrupt gzip data" }],
      });
    }
  });
});

describe("readArtifact", () => {
  it("a gzip file that inflates past the artifact limit is refused with 413 naming the file, having read little of it", async () => {
    // The route's limit is MAX_ARTIFACT_BYTES (256 MiB); the same code path with a 4 MiB limit keeps the test fast.
    const bomb = gzipBomb('{"metadata":', " ", 160 * MiB);
    const { stream, read } = counted(bomb);
    const err = await readArtifact(
      stream,
      "manifest",
      ["$.metadata"],
      () => {},
      () => {},
      4 * MiB,
    ).catch((e) => e);
    expect(err).toMatchObject({ code: "payload_too_large", details: [{ path: "manifest", message: "larger than 4 MiB (4194304 bytes) after decompression" }] });
    expect(read.bytes).toBeLessThanOrEqual(128 * 1024);
  });

  it("an uncompressed file past the limit is refused with 413 too", async () => {
    const text = `{"metadata":${" ".repeat(MiB)}}`;
    await expect(
      readArtifact(
        new Blob([text]),
        "run_results",
        ["$.metadata"],
        () => {},
        () => {},
        MiB,
      ),
    ).rejects.toMatchObject({ code: "payload_too_large", details: [{ path: "run_results" }] });
  });
});
