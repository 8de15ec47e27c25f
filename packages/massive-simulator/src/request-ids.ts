import { hash2 } from './random.js';

/** Deterministic 32-hex-digit request ids: the n-th request under a seed always gets the same id. */
export function requestId(seed: number, n: number): string {
  let s = '';
  for (let i = 0; i < 4; i++)
    s += hash2(hash2(seed, 0x1d), n * 4 + i)
      .toString(16)
      .padStart(8, '0');
  return s;
}
