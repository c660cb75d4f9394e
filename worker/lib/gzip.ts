import { ApiError, tooLarge } from "./errors";

/**
 * Compression, and the one way Tutti decompresses: `inflateBounded` counts what comes out and stops with 413 as
 * soon as the count passes the limit, so a small compressed body cannot expand into gigabytes first.
 */

export type CompressionFormat = "gzip" | "deflate";

/** gzip through the platform's CompressionStream (workerd and Node 20 both have it). */
export async function gzip(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** gunzip of data Tutti stored itself (bounded all the same). */
export async function gunzip(data: Uint8Array, max: number, what = "stored data"): Promise<Uint8Array> {
  return readStream(inflateBounded(new Blob([data]).stream(), "gzip", max, what));
}

/** Reads a stream to its end with a JS reader, so an ApiError it fails with (413, corrupt data) comes out unchanged. */
export async function readStream(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/** Passes `input` through, erroring with 413 once more than `max` bytes went by. */
export function limitBytes(input: ReadableStream<Uint8Array>, max: number, what: string, afterDecompression = false): ReadableStream<Uint8Array> {
  let seen = 0;
  return input.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > max) throw tooLarge(what, max, afterDecompression);
        controller.enqueue(chunk);
      },
    }),
  );
}

/**
 * Compressed input handed to the inflater per write. The platform's DecompressionStream inflates a whole written
 * chunk at once and applies no backpressure, and deflate expands at most ~1032:1, so one slice yields at most
 * ~16.5 MiB before the count below sees it.
 */
const SLICE_BYTES = 16 * 1024;
const IDLE = Symbol("idle");

/**
 * Inflates `input` (gzip or deflate), erroring with 413 as soon as more than `max` bytes came out, and with 400
 * when the data is corrupt. The next slice of input is written only when the output so far has been read.
 */
export function inflateBounded(input: ReadableStream<Uint8Array>, format: CompressionFormat, max: number, what: string): ReadableStream<Uint8Array> {
  const inflater = new DecompressionStream(format);
  const writer = inflater.writable.getWriter();
  const output = inflater.readable.getReader();
  const source = input.getReader();
  let rest: Uint8Array = new Uint8Array(0);
  let inputDone = false;
  let produced = 0;
  let pending: Promise<ReadableStreamReadResult<Uint8Array>> | null = null;

  const corrupt = () =>
    new ApiError("validation_failed", `${what}: could not be decompressed (corrupt ${format} data)`, [{ path: what, message: `corrupt ${format} data` }]);
  // Resolves after queued output had its chance to arrive: reads of queued chunks settle in microtasks, before a timer.
  const idle = () => new Promise<typeof IDLE>((resolve) => setTimeout(() => resolve(IDLE), 0));
  const stop = async () => {
    pending?.catch(() => {});
    await source.cancel().catch(() => {});
    await writer.abort().catch(() => {});
    await output.cancel().catch(() => {});
  };

  /** Writes the next slice of input (closing the inflater after the last). */
  async function feed() {
    if (!rest.byteLength) {
      const next = await source.read();
      if (next.done) {
        inputDone = true;
        await writer.close();
        return;
      }
      rest = next.value;
    }
    const slice = rest.subarray(0, SLICE_BYTES);
    rest = rest.subarray(slice.byteLength);
    await writer.write(slice);
  }

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          for (;;) {
            pending ??= output.read();
            const result = inputDone ? await pending : await Promise.race([pending, idle()]);
            if (result === IDLE) {
              await feed();
              continue;
            }
            pending = null;
            if (result.done) {
              controller.close();
              return;
            }
            produced += result.value.byteLength;
            if (produced > max) throw tooLarge(what, max, true);
            controller.enqueue(result.value);
            return;
          }
        } catch (err) {
          await stop();
          throw err instanceof ApiError ? err : corrupt();
        }
      },
      async cancel() {
        await stop();
      },
    },
    { highWaterMark: 0 },
  );
}
