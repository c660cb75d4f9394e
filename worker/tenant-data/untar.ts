import { BLOCK } from "./tar";

/**
 * Reads a ustar archive as it streams in, a file at a time, without holding more than the file being read: the
 * reading side of tar.ts, for imports (worker/tenant-data/import.ts). Every header's checksum and magic are checked,
 * and an archive that ends before its two zero blocks is reported as truncated, so a partial download is never
 * taken for a whole one.
 */

export class ArchiveError extends Error {}

const decoder = new TextDecoder();

/** Pulls exact byte counts out of a stream of chunks of any size. */
class ByteReader {
  private buffer: Uint8Array = new Uint8Array(0);
  private done = false;
  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  /** Up to `max` bytes (fewer only at the end of the stream). */
  async next(max: number): Promise<Uint8Array> {
    while (this.buffer.length === 0 && !this.done) {
      const { value, done } = await this.reader.read();
      if (done) this.done = true;
      else this.buffer = value;
    }
    const out = this.buffer.subarray(0, max);
    this.buffer = this.buffer.subarray(out.length);
    return out;
  }

  /** Exactly `n` bytes, or null when the stream ends first. */
  async exactly(n: number): Promise<Uint8Array | null> {
    const out = new Uint8Array(n);
    for (let at = 0; at < n; ) {
      const chunk = await this.next(n - at);
      if (!chunk.length) return null;
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  cancel() {
    return this.reader.cancel().catch(() => undefined);
  }
}

export interface TarEntry {
  /** The file's path in the archive. */
  path: string;
  size: number;
  /** 0 for the first file, counting every file. */
  index: number;
}

/** One file of the archive: its header, and its bytes to read once (whole, or in chunks) or leave unread. */
export interface TarFile extends TarEntry {
  /** The whole file; refused when larger than `max` bytes, so one entry cannot exhaust memory. */
  bytes(max: number): Promise<Uint8Array>;
  /** The file's bytes in chunks of at most `size` bytes. */
  chunks(size: number): AsyncGenerator<Uint8Array>;
}

const text = (header: Uint8Array, from: number, length: number) => decoder.decode(header.subarray(from, from + length)).replace(/\0.*$/s, "");

function parseHeader(header: Uint8Array, at: number): { path: string; size: number } {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (header[i] as number);
  const stored = Number.parseInt(text(header, 148, 8).trim(), 8);
  if (stored !== sum) throw new ArchiveError(`the tar header at byte ${at} has a bad checksum: the archive is damaged`);
  if (text(header, 257, 6) !== "ustar") throw new ArchiveError(`the data at byte ${at} is not a ustar header: not a Tutti export, or damaged`);
  const type = text(header, 156, 1);
  const name = text(header, 0, 100);
  const prefix = text(header, 345, 155);
  const path = prefix ? `${prefix}/${name}` : name;
  if (type !== "0" && type !== "") throw new ArchiveError(`${path} is not a regular file (tar type ${JSON.stringify(type)}); an export holds only files`);
  const size = Number.parseInt(text(header, 124, 12).trim(), 8);
  if (!Number.isSafeInteger(size) || size < 0) throw new ArchiveError(`${path} has no valid size in its tar header`);
  return { path, size };
}

const isZero = (block: Uint8Array) => block.every((b) => b === 0);

/**
 * The archive's files in order. The caller reads each file's bytes (or not) before asking for the next; what it
 * left unread is skipped. Throws ArchiveError for a damaged or truncated archive.
 */
export async function* tarFiles(stream: ReadableStream<Uint8Array>): AsyncGenerator<TarFile> {
  const input = new ByteReader(stream.getReader());
  let offset = 0;
  try {
    for (let index = 0; ; index++) {
      const header = await input.exactly(BLOCK);
      if (!header) throw new ArchiveError("the archive is truncated: it ends without the two zero blocks that close a tar file");
      if (isZero(header)) {
        const second = await input.exactly(BLOCK);
        if (!second || !isZero(second)) throw new ArchiveError("the archive is truncated or damaged after its last file");
        return;
      }
      const { path, size } = parseHeader(header, offset);
      offset += BLOCK;
      let remaining = size;
      const truncated = () => new ArchiveError(`the archive is truncated: it ends inside ${path}`);
      const file: TarFile = {
        path,
        size,
        index,
        async bytes(max) {
          if (size > max) throw new ArchiveError(`${path} is ${size} bytes, more than the ${max} an import reads of one such file`);
          if (remaining !== size) throw new Error(`${path} was already read`);
          const out = await input.exactly(size);
          if (!out) throw truncated();
          remaining = 0;
          return out;
        },
        async *chunks(chunkSize) {
          if (remaining !== size) throw new Error(`${path} was already read`);
          while (remaining > 0) {
            const chunk = await input.exactly(Math.min(chunkSize, remaining));
            if (!chunk) throw truncated();
            remaining -= chunk.length;
            yield chunk;
          }
        },
      };
      yield file;
      // What the caller did not read, then the padding to the next block.
      const skip = remaining + ((BLOCK - (size % BLOCK)) % BLOCK);
      for (let left = skip; left > 0; ) {
        const chunk = await input.next(Math.min(left, 1024 * 1024));
        if (!chunk.length) throw truncated();
        left -= chunk.length;
      }
      remaining = 0;
      offset += size + ((BLOCK - (size % BLOCK)) % BLOCK);
    }
  } finally {
    await input.cancel();
  }
}
