/**
 * A growable byte buffer that writes ASCII JSON fragments and numbers directly, without building strings: the hot
 * path of a 50,000-bar page. Numbers are written exactly as `JSON.stringify` writes them (see `putDecimal4`).
 */

// ".0001" .. ".9999" with trailing zeros removed (empty for 0), as bytes, flattened: FRAC_LEN[f] bytes at f * 5.
const FRAC_BYTES = new Uint8Array(10_000 * 5);
const FRAC_LEN = new Uint8Array(10_000);
for (let f = 1; f < 10_000; f++) {
  const s = `.${String(f).padStart(4, '0').replace(/0+$/, '')}`;
  FRAC_LEN[f] = s.length;
  for (let i = 0; i < s.length; i++) FRAC_BYTES[f * 5 + i] = s.charCodeAt(i);
}

/** Writes a non-negative integer below 2^31 at `p`; returns the position after it. */
export function putSmallUint(buf: Uint8Array, p: number, x: number): number {
  if (x < 10) {
    buf[p] = 48 + x;
    return p + 1;
  }
  let len = 1;
  for (let y = x; y >= 10; y = (y / 10) | 0) len++;
  const end = p + len;
  let q = end;
  let y = x;
  while (q > p) {
    const d = (y / 10) | 0;
    buf[--q] = 48 + (y - d * 10);
    y = d;
  }
  return end;
}

/** Writes a non-negative safe integer at `p`; returns the position after it. */
export function putUint(buf: Uint8Array, p: number, n: number): number {
  if (n < 2_147_483_648) return putSmallUint(buf, p, n);
  const hi = Math.floor(n / 1e9);
  let y = n - hi * 1e9;
  const q0 = putUint(buf, p, hi);
  for (let q = q0 + 8; q >= q0; q--) {
    const d = (y / 10) | 0;
    buf[q] = 48 + (y - d * 10);
    y = d;
  }
  return q0 + 9;
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

  /** Writes pre-encoded bytes (room must have been ensured for short ones). */
  bytes(b: Uint8Array): void {
    const n = b.length;
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = b[i] as number;
    this.pos = p;
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
