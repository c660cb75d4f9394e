/**
 * The few bytes of the POSIX ustar format an export needs: a 512-byte header per file, the file's bytes padded to
 * 512, two zero blocks at the end. Written by hand because the archive is produced a step at a time across
 * invocations (worker/tenant-data/archive.ts), which the tar libraries at hand (tar-stream: Node streams, in
 * node_modules only as a dependency of a build tool) do not do in workerd; the format is small and fixed.
 */

export const BLOCK = 512;
/** The ustar size field holds 11 octal digits. */
const MAX_SIZE = 8 ** 11 - 1;

const encoder = new TextEncoder();

function writeString(header: Uint8Array, offset: number, length: number, value: string) {
  const bytes = encoder.encode(value);
  if (bytes.length > length) throw new Error(`tar field too long: ${value}`);
  header.set(bytes, offset);
}

const octal = (value: number, digits: number) => value.toString(8).padStart(digits, "0");

/** Splits a path into ustar's prefix (≤155 bytes) and name (≤100 bytes) at a slash. */
function splitPath(path: string): { prefix: string; name: string } {
  if (encoder.encode(path).length <= 100) return { prefix: "", name: path };
  for (let i = path.lastIndexOf("/"); i > 0; i = path.lastIndexOf("/", i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (encoder.encode(name).length <= 100 && encoder.encode(prefix).length <= 155) return { prefix, name };
  }
  throw new Error(`path too long for a tar header: ${path}`);
}

/** The header of a regular file `path` of `size` bytes, modified at `mtimeMs`. */
export function tarHeader(path: string, size: number, mtimeMs: number): Uint8Array {
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_SIZE) throw new Error(`file size ${size} does not fit a ustar header`);
  const header = new Uint8Array(BLOCK);
  const { prefix, name } = splitPath(path);
  writeString(header, 0, 100, name);
  writeString(header, 100, 8, `${octal(0o644, 7)}\0`);
  writeString(header, 108, 8, `${octal(0, 7)}\0`);
  writeString(header, 116, 8, `${octal(0, 7)}\0`);
  writeString(header, 124, 12, `${octal(size, 11)}\0`);
  writeString(header, 136, 12, `${octal(Math.floor(mtimeMs / 1000), 11)}\0`);
  writeString(header, 148, 8, "        ");
  writeString(header, 156, 1, "0");
  writeString(header, 257, 6, "ustar\0");
  writeString(header, 263, 2, "00");
  writeString(header, 265, 32, "tutti");
  writeString(header, 297, 32, "tutti");
  writeString(header, 345, 155, prefix);
  let sum = 0;
  for (const byte of header) sum += byte;
  writeString(header, 148, 8, `${octal(sum, 6)}\0 `);
  return header;
}

/** Zero bytes that pad a file of `size` bytes to a whole block. */
export const padding = (size: number) => new Uint8Array((BLOCK - (size % BLOCK)) % BLOCK);

/** A whole small file: header, bytes, padding. */
export function tarFile(path: string, bytes: Uint8Array, mtimeMs: number): Uint8Array[] {
  return [tarHeader(path, bytes.length, mtimeMs), bytes, padding(bytes.length)];
}

/** The end of an archive: two zero blocks. */
export const tarEnd = () => new Uint8Array(2 * BLOCK);
