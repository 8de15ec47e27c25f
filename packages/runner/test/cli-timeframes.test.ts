/**
 * One timeframe vocabulary for every command: `load`, `stats`, `plan`, `submit`, jobs and the processing API read
 * timeframes through the same alias table, so a spelling one accepts the others accept too (before, `stats
 * --timeframes 1h` failed while `load --timeframes 1h` worked, and `load --timeframes 1hour` failed while `stats`
 * took it).
 */

import { TIMEFRAME_ALIASES } from '@tickstock/market-time';
import { describe, expect, it } from 'vitest';
import { parseTimeframes } from '../src/cli/load-job.js';
import { runCliInProcess } from './support/run-cli.js';

describe('timeframe spellings', () => {
  it.each(Object.entries(TIMEFRAME_ALIASES))('%s means %s, in any case', (alias, timeframe) => {
    expect(parseTimeframes(alias)).toEqual([timeframe]);
    expect(parseTimeframes(` ${alias.toUpperCase()} `)).toEqual([timeframe]);
  });

  it('covers the spellings users reached for: 1m 1h 1d 1w, 1minute 1hour 1day 1week 1month, hourly daily ...', () => {
    expect(Object.keys(TIMEFRAME_ALIASES).sort()).toEqual(
      [
        '1min',
        'minute',
        '1minute',
        '1m',
        'hour',
        'hourly',
        '1hour',
        '1h',
        'day',
        'daily',
        '1day',
        '1d',
        'week',
        'weekly',
        '1week',
        '1w',
        'month',
        'monthly',
        '1month',
      ].sort(),
    );
  });

  it('load and stats refuse an unknown spelling with the same words and exit 2, before touching a database', async () => {
    const message = 'tickstock: unknown timeframe "fortnight"; use 1min, hour, day, week, month\n';
    const load = await runCliInProcess(['load', 'AAPL', '--timeframes', 'fortnight']);
    const stats = await runCliInProcess(['stats', 'AAPL', '--timeframes', 'fortnight']);
    expect({ code: load.code, stderr: load.stderr }).toEqual({ code: 2, stderr: message });
    expect({ code: stats.code, stderr: stats.stderr }).toEqual({ code: 2, stderr: message });
  });
});
