/** The fast path for bar lists accepts exactly what the zod bar schema accepts, and errors keep zod's paths. */
import { describe, expect, it } from 'vitest';
import { aggsResponseSchema, rawBarSchema } from '../src/schemas/index.js';

const envelope = (results: unknown) => ({ status: 'OK', request_id: 'r1', results });
const bar = (i: number) => ({ t: 1_700_000_000_000 + i * 60_000, o: 10, h: 11, l: 9, c: 10.5, v: 100, vw: 10.2, n: 3 });

describe('aggregates results validation', () => {
  it('keeps every bar of a large valid page, unknown fields included, in order', () => {
    const results = Array.from({ length: 50_000 }, (_, i) => bar(i));
    (results[7] as Record<string, unknown>).extra = 'kept';
    const parsed = aggsResponseSchema.parse(envelope(results));
    expect(parsed.results).toHaveLength(50_000);
    expect(parsed.results?.[49_999]?.t).toBe(1_700_000_000_000 + 49_999 * 60_000);
    expect((parsed.results as Record<string, unknown>[])[7]?.extra).toBe('kept');
  });

  it('accepts index bars without volume and crypto bars with fractional volume, as the bar schema does', () => {
    const rows = [
      { t: 1, o: 1, h: 2, l: 0.5, c: 1.5 },
      { t: 2, o: 1, h: 2, l: 0.5, c: 1.5, v: 0.0312, otc: true },
    ];
    expect(aggsResponseSchema.parse(envelope(rows)).results).toEqual(rows.map((r) => rawBarSchema.parse(r)));
  });

  it('reports a bad bar deep in a page with zod’s message and its exact path', () => {
    const results = Array.from({ length: 1_000 }, (_, i) => bar(i));
    (results[417] as Record<string, unknown>).h = '11.0';
    const r = aggsResponseSchema.safeParse(envelope(results));
    expect(r.success).toBe(false);
    expect(r.error?.issues).toEqual([
      { expected: 'number', code: 'invalid_type', path: ['results', 417, 'h'], message: 'Invalid input: expected number, received string' },
    ]);
  });

  it('refuses results that are not a list, and a bar with otc not a boolean', () => {
    expect(aggsResponseSchema.safeParse(envelope({ t: 1 })).error?.issues[0]?.path).toEqual(['results']);
    expect(aggsResponseSchema.safeParse(envelope([{ ...bar(0), otc: 'no' }])).error?.issues[0]?.path).toEqual(['results', 0, 'otc']);
  });
});
