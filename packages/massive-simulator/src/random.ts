/** Small, fast, seeded randomness: 32-bit hashing (the minute walk inlines mulberry32). No global state. */

/** Mixes a 32-bit value (murmur3's finalizer). */
export function fmix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Combines two 32-bit values into a well-mixed 32-bit hash. */
export function hash2(a: number, b: number): number {
  return fmix32(Math.imul(a ^ 0x9e3779b9, 0x27d4eb2f) ^ fmix32(b + 0x165667b1));
}

/** A 32-bit hash of a string (FNV-1a, then mixed). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** A seed given as a number or a string, as a 32-bit value. */
export function seedValue(seed: number | string): number {
  return typeof seed === 'number' && Number.isInteger(seed)
    ? fmix32(seed >>> 0) ^ fmix32(Math.floor(seed / 2 ** 32))
    : hashString(String(seed));
}

/** A uniform number in [0, 1) from a 32-bit hash. */
export function unit(h: number): number {
  return (h >>> 0) / 4294967296;
}
