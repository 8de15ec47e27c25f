import { marketHolidaysResponseSchema, marketStatusSchema } from '@tickstock/massive-client';
import { describe, expect, it } from 'vitest';
import { useSimulators } from './support/simulators.js';

const start = useSimulators();

async function body(now: number, path: string): Promise<unknown> {
  const sim = await start({ now });
  const res = await fetch(`${sim.url}${path}`);
  expect(res.status).toBe(200);
  return res.json();
}

describe('/v1/marketstatus/upcoming', () => {
  it('is a bare array of NYSE and NASDAQ rows from the simulated today on, early closes with open and close in UTC', async () => {
    const rows = (await body(Date.parse('2025-11-20T15:00:00Z'), '/v1/marketstatus/upcoming')) as Record<string, string>[];
    marketHolidaysResponseSchema.parse(rows);
    expect(rows.slice(0, 4)).toEqual([
      { exchange: 'NYSE', name: 'Thanksgiving', date: '2025-11-27', status: 'closed' },
      { exchange: 'NASDAQ', name: 'Thanksgiving', date: '2025-11-27', status: 'closed' },
      {
        exchange: 'NYSE',
        name: 'Thanksgiving',
        date: '2025-11-28',
        status: 'early-close',
        open: '2025-11-28T14:30:00.000Z',
        close: '2025-11-28T18:00:00.000Z',
      },
      {
        exchange: 'NASDAQ',
        name: 'Thanksgiving',
        date: '2025-11-28',
        status: 'early-close',
        open: '2025-11-28T14:30:00.000Z',
        close: '2025-11-28T18:00:00.000Z',
      },
    ]);
    const nyse = rows.filter((r) => r.exchange === 'NYSE').map((r) => r.date as string);
    expect(nyse.every((d) => d >= '2025-11-20' && d <= '2026-11-20')).toBe(true);
    expect(nyse).toContain('2026-07-03');
    expect(nyse).toContain('2025-12-25');
    expect(nyse).not.toContain('2026-11-26');
  });

  it('looks forward from the New York date, not the UTC one', async () => {
    // 2025-11-28 02:00Z is still November 27 in New York: Thanksgiving is upcoming.
    const rows = (await body(Date.parse('2025-11-28T02:00:00Z'), '/v1/marketstatus/upcoming')) as Record<string, string>[];
    expect(rows[0]).toMatchObject({ date: '2025-11-27', status: 'closed' });
  });
});

describe('/v1/marketstatus/now', () => {
  const at = async (iso: string) => {
    const b = (await body(Date.parse(iso), '/v1/marketstatus/now')) as Record<string, unknown>;
    marketStatusSchema.parse(b);
    return b;
  };
  it('is open in the regular session, with the server time in New York offset', async () => {
    expect(await at('2025-06-10T15:00:00Z')).toEqual({
      market: 'open',
      earlyHours: false,
      afterHours: false,
      serverTime: '2025-06-10T11:00:00-04:00',
      exchanges: { nyse: 'open', nasdaq: 'open', otc: 'open' },
      currencies: { fx: 'open', crypto: 'open' },
    });
  });
  it('is extended-hours before the open and after the close', async () => {
    expect(await at('2025-01-14T12:00:00Z')).toMatchObject({
      market: 'extended-hours',
      earlyHours: true,
      afterHours: false,
      serverTime: '2025-01-14T07:00:00-05:00',
    });
    expect(await at('2025-07-03T18:30:00Z')).toMatchObject({ market: 'extended-hours', earlyHours: false, afterHours: true }); // early close day, 14:30 EDT
  });
  it('is closed on weekends and holidays, and fx closes for the weekend', async () => {
    expect(await at('2025-12-25T16:00:00Z')).toMatchObject({ market: 'closed', exchanges: { nyse: 'closed' } });
    expect(await at('2025-06-14T16:00:00Z')).toMatchObject({ market: 'closed', currencies: { fx: 'closed', crypto: 'open' } });
  });
});
