/**
 * A real gzip bomb, built directly instead of by compressing hundreds of MiB: one fixed-Huffman deflate block holding
 * `prefix` as literals, one `fill` literal, then back-references of 258 bytes at distance 1 (13 bits each, ~159:1),
 * so ~1 MiB of gzip inflates to ~160 MiB. The trailer carries the true CRC-32 and size: it is a valid file.
 */
export function gzipBomb(prefix: string, fill: string, inflatedBytes: number): Uint8Array {
  const head = new TextEncoder().encode(prefix);
  const fillByte = fill.charCodeAt(0);
  if (fill.length !== 1 || fillByte > 143) throw new Error("fill must be one ASCII character");
  const runs = inflatedBytes - head.length;
  if (runs < 1) throw new Error("inflatedBytes must exceed the prefix");
  const matches = Math.floor((runs - 1) / 258);
  const tail = runs - 1 - matches * 258;

  const out = new Uint8Array(32 + head.length * 2 + Math.ceil((matches * 13) / 8) + tail * 2);
  let pos = 10;
  out.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
  let bitBuf = 0;
  let bitCount = 0;
  const bits = (value: number, n: number) => {
    // Deflate packs bits from the least significant end of each byte.
    for (let i = 0; i < n; i++) {
      bitBuf |= ((value >>> i) & 1) << bitCount;
      if (++bitCount === 8) {
        out[pos++] = bitBuf;
        bitBuf = 0;
        bitCount = 0;
      }
    }
  };
  // Huffman codes go most significant bit first.
  const code = (value: number, n: number) => {
    for (let i = n - 1; i >= 0; i--) bits((value >>> i) & 1, 1);
  };
  const literal = (b: number) => (b <= 143 ? code(0x30 + b, 8) : code(0x190 + b - 144, 9));
  bits(1, 1); // BFINAL
  bits(1, 2); // BTYPE 01: fixed Huffman codes
  for (const b of head) literal(b);
  literal(fillByte);
  for (let i = 0; i < matches; i++) {
    code(0xc5, 8); // length symbol 285: 258 bytes
    code(0, 5); // distance symbol 0: distance 1
  }
  for (let i = 0; i < tail; i++) literal(fillByte);
  code(0, 7); // end of block
  if (bitCount) bits(0, 8 - bitCount);

  const crc = crc32Repeat(crc32Update(0xffffffff, head), fillByte, runs);
  const view = new DataView(out.buffer);
  view.setUint32(pos, (crc ^ 0xffffffff) >>> 0, true);
  view.setUint32(pos + 4, inflatedBytes >>> 0, true);
  return out.slice(0, pos + 8);
}

let table: Uint32Array | null = null;
function crcTable(): Uint32Array {
  if (table) return table;
  table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

function crc32Update(crc: number, data: Uint8Array): number {
  const t = crcTable();
  for (const b of data) crc = t[(crc ^ b) & 0xff] ^ (crc >>> 8);
  return crc;
}

/**
 * The CRC register after `count` more bytes of value `byte`. One byte step is affine over GF(2)
 * (c → T[c & 0xff] ^ (c >>> 8) ^ T[byte]), so `count` steps are that map raised to `count` by squaring.
 */
function crc32Repeat(crc: number, byte: number, count: number): number {
  const t = crcTable();
  type Affine = { cols: Uint32Array; k: number };
  const linear = (m: Affine, v: number) => {
    let r = 0;
    for (let i = 0; i < 32; i++) if ((v >>> i) & 1) r ^= m.cols[i];
    return r >>> 0;
  };
  const compose = (f: Affine, g: Affine): Affine => ({ cols: g.cols.map((c) => linear(f, c)), k: (linear(f, g.k) ^ f.k) >>> 0 });
  let base: Affine = { cols: Uint32Array.from({ length: 32 }, (_, i) => (t[(1 << i) & 0xff] ^ ((1 << i) >>> 8)) >>> 0), k: t[byte] };
  let result: Affine = { cols: Uint32Array.from({ length: 32 }, (_, i) => (1 << i) >>> 0), k: 0 };
  for (let n = count; n > 0; n = Math.floor(n / 2)) {
    if (n % 2) result = compose(base, result);
    base = compose(base, base);
  }
  return (linear(result, crc >>> 0) ^ result.k) >>> 0;
}
