import { describe, expect, it } from 'vitest';
import { BarColumns } from '../src/bars.js';
import { ByteWriter, putDecimal4, putUint } from '../src/byte-writer.js';
import { round4 } from '../src/round.js';
import { aggsBody } from '../src/wire.js';

describe('the byte writer writes numbers exactly as JSON.stringify', () => {
  it('integers, including past 2^31 and 2^53 - 1', () => {
    const values = [0, 1, 9, 10, 99, 100, 12_345, 2_147_483_647, 2_147_483_648, 1_735_794_000_000, 100_000_000, 9_007_199_254_740_991];
    const buf = new Uint8Array(32);
    for (const x of values) expect(Buffer.from(buf.subarray(0, putUint(buf, 0, x))).toString()).toBe(JSON.stringify(x));
  });

  it('every kind of 4-decimal number (100,000 seeded samples and the edges)', () => {
    const buf = new Uint8Array(32);
    let s = 12345;
    const rand = () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 4294967296;
    };
    const samples = [0.0001, 0.001, 0.1, 0.5, 1, 1.5, 9.9999, 10.0001, 163.7174, 99_999.9999, 214_748.3647];
    for (let i = 0; i < 100_000; i++) samples.push(round4(10 ** (rand() * 9 - 3)));
    for (const x of samples) {
      const end = putDecimal4(buf, 0, x);
      if (end < 0) continue; // outside the fast path: the caller falls back to JSON.stringify
      expect(Buffer.from(buf.subarray(0, end)).toString()).toBe(JSON.stringify(x));
    }
    expect(putDecimal4(buf, 0, 0.1 + 0.2)).toBe(-1); // not a 4-decimal number: refused, never misprinted
  });

  it('a bars body parses back to the same text (JSON.stringify of JSON.parse)', () => {
    const bars = new BarColumns();
    for (let i = 0; i < 1000; i++) {
      const p = round4(100 + i * 0.0137);
      bars.push(
        1_735_794_000_000 + i * 60_000,
        { o: p, h: round4(p + 0.5), l: round4(p - 0.5), c: p, v: 1000 + i, vwv: p * (1000 + i), n: 7, minutes: 1 },
        1,
      );
    }
    const body = aggsBody(
      { ticker: 'X:BTCUSD', queryCount: 1000, adjusted: false, status: 'OK', requestId: 'abc', nextUrl: 'http://h/x?cursor=1' },
      bars,
      true,
    ).toString();
    expect(JSON.stringify(JSON.parse(body))).toBe(body);
    const w = new ByteWriter(4);
    w.text('é"x');
    expect(w.result().toString()).toBe('é"x');
  });
});
