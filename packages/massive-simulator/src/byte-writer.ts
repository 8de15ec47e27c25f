/**
 * Writing JSON bytes directly into a buffer, without building strings: the hot path of a 50,000-bar page. Numbers
 * are written exactly as `JSON.stringify` writes them (see {@link putDecimal4}).
 */

// ".0001" .. ".9999" with trailing zeros removed (empty for 0), as bytes: FRAC_LEN[f] bytes at FRAC_BYTES[f * 5].
const FRAC_BYTES = new Uint8Array(10_000 * 5);
const FRAC_LEN = new Uint8Array(10_000);
for (let f = 1; f < 10_000; f++) {
  const s = `.${String(f).padStart(4, '0').replace(/0+$/, '')}`;
  FRAC_LEN[f] = s.length;
  for (let i = 0; i < s.length; i++) FRAC_BYTES[f * 5 + i] = s.charCodeAt(i);
}

// "00" .. "99"
const PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  PAIRS[i * 2] = 48 + Math.floor(i / 10);
  PAIRS[i * 2 + 1] = 48 + (i % 10);
}

/** Number of decimal digits of a non-negative integer below 2^31. */
function digitCount(x: number): number {
  if (x < 100_000) return x < 10 ? 1 : x < 100 ? 2 : x < 1000 ? 3 : x < 10_000 ? 4 : 5;
  return x < 1_000_000 ? 6 : x < 10_000_000 ? 7 : x < 100_000_000 ? 8 : x < 1_000_000_000 ? 9 : 10;
}

/** Writes exactly `len` digits of `x` (zero-padded) ending before `end`. */
function putDigits(buf: Uint8Array, end: number, x: number, len: number): void {
  let q = end;
  let y = x;
  let n = len;
  while (n >= 2) {
    const d = (y / 100) | 0;
    const pair = (y - d * 100) * 2;
    buf[--q] = PAIRS[pair + 1] as number;
    buf[--q] = PAIRS[pair] as number;
    y = d;
    n -= 2;
  }
  if (n === 1) buf[--q] = 48 + (y % 10);
}

/** Writes a non-negative integer below 2^31 at `p`; returns the position after it. */
export function putSmallUint(buf: Uint8Array, p: number, x: number): number {
  const len = digitCount(x);
  putDigits(buf, p + len, x, len);
  return p + len;
}

/** Writes a non-negative safe integer at `p`; returns the position after it. */
export function putUint(buf: Uint8Array, p: number, n: number): number {
  if (n < 2_147_483_648) return putSmallUint(buf, p, n);
  const hi = Math.floor(n / 1e8);
  const q = putUint(buf, p, hi);
  putDigits(buf, q + 8, n - hi * 1e8, 8);
  return q + 8;
}

/**
 * Writes a number already rounded to at most 4 decimals, in [0.0001, 2^31), as JSON.stringify would; returns the
 * position after it, or -1 when the number is outside that domain (the caller then falls back to JSON.stringify).
 */
export function putDecimal4(buf: Uint8Array, p: number, x: number): number {
  const scaled = Math.round(x * 10_000);
  if (!(x >= 0.0001 && x < 2_147_483_648) || scaled / 10_000 !== x) return -1;
  const whole = Math.floor(scaled / 10_000);
  const frac = scaled - whole * 10_000;
  let q = putSmallUint(buf, p, whole);
  const len = FRAC_LEN[frac] as number;
  for (let i = 0, j = frac * 5; i < len; i++) buf[q++] = FRAC_BYTES[j + i] as number;
  return q;
}

/** Writes pre-encoded bytes at `p`; returns the position after them. */
export function putBytes(buf: Uint8Array, p: number, b: Uint8Array): number {
  const n = b.length;
  for (let i = 0; i < n; i++) buf[p + i] = b[i] as number;
  return p + n;
}

/** A growable byte buffer for the parts of a body around the hot loops. */
export class ByteWriter {
  buf: Buffer;
  pos = 0;

  constructor(capacity = 1 << 16) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Writes a string as UTF-8. */
  text(s: string): void {
    this.ensure(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** The bytes written so far (a view, not a copy). */
  result(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/** Encodes a string once, for repeated writing. */
export function ascii(s: string): Uint8Array {
  return Buffer.from(s, 'utf8');
}
