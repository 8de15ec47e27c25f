import { describe, expect, it } from 'vitest';
import { HISTORICAL_LOAD_JOB, LEGACY_CSV_JOB, LIVE_APP_JOB, MULTI_TIMEFRAME_JOB, UNIVERSE_SEED_JOB } from '../src/conformance/examples.js';
import {
  type DataLoadParseResult,
  isForeignJobMessage,
  normalizeDataLoadJob,
  PROTOCOL_ERROR_CODES,
  ProtocolError,
  type ProtocolErrorCode,
  parseDataLoadJob,
} from '../src/index.js';

// 2025-12-23 17:15:14Z = 12:15:14 in New York: today is 2025-12-23 everywhere on the machine.
const NOW = Date.UTC(2025, 11, 23, 17, 15, 14);

function ok(r: DataLoadParseResult) {
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.errors)}`);
  return r.request;
}

describe('contract example jobs round-trip', () => {
  it('the live app job (csv_universe_load with symbols) normalises to symbols, five timeframes and its flags', () => {
    const r = ok(parseDataLoadJob(LIVE_APP_JOB, { now: NOW }));
    expect(r.jobId).toBe('e33cca95-c71a-44ce-a377-3b232fa379ae');
    expect(r.jobType).toBe('csv_universe_load');
    expect(r.target).toEqual({ kind: 'symbols', symbols: ['AAPL', 'MSFT'] });
    expect(r.timeframes).toEqual(['1min', 'hour', 'day', 'week', 'month']);
    expect(r.years).toBe(0.003);
    expect(r.requestedBy).toBe('admin');
    expect(r.runAnalysisAfterImport).toBe(false);
    expect(r.source).toBe('DIA');
    expect(r.universeKey).toBe('DIA');
    expect(r.submittedAt).toBe('2025-12-23T12:15:13.634000');
    // the raw job is kept as received, extra fields and all
    expect(r.raw).toEqual(JSON.parse(LIVE_APP_JOB));
  });

  it('the legacy CSV job reads csv_file and universe_type, accepts the old job_id form and loads hour/day/week/month', () => {
    const r = ok(parseDataLoadJob(LEGACY_CSV_JOB, { now: NOW }));
    expect(r.jobId).toBe('job_20241030_145623_abc123');
    expect(r.target).toEqual({ kind: 'csv_file', csvFile: 'sp_500.csv', universeType: 'sp_500' });
    expect(r.timeframes).toEqual(['hour', 'day', 'week', 'month']);
    expect(r.years).toBe(1);
    expect(r.raw).toMatchObject({ include_ohlcv: true });
  });

  it('historical_load loads its one timespan', () => {
    const r = ok(parseDataLoadJob(HISTORICAL_LOAD_JOB, { now: NOW }));
    expect(r.jobType).toBe('historical_load');
    expect(r.target).toEqual({ kind: 'symbols', symbols: ['AAPL', 'SPY'] });
    expect(r.timeframes).toEqual(['day']);
  });

  it('historical_load without timespan loads day; timespan "minute" means 1min', () => {
    const base = { job_id: 'h1', job_type: 'historical_load', symbols: ['AAPL'], years: 1 };
    expect(ok(parseDataLoadJob(base, { now: NOW })).timeframes).toEqual(['day']);
    expect(ok(parseDataLoadJob({ ...base, timespan: 'minute' }, { now: NOW })).timeframes).toEqual(['1min']);
  });

  it('multi_timeframe_load without timeframes loads hour and day', () => {
    const r = ok(parseDataLoadJob(MULTI_TIMEFRAME_JOB, { now: NOW }));
    expect(r.timeframes).toEqual(['hour', 'day']);
    expect(r.target).toEqual({ kind: 'symbols', symbols: ['NVDA'] });
  });

  it('universe_seed names a universe and loads day by default', () => {
    const r = ok(parseDataLoadJob(UNIVERSE_SEED_JOB, { now: NOW }));
    expect(r.target).toEqual({ kind: 'universe', universeType: 'NASDAQ100' });
    expect(r.timeframes).toEqual(['day']);
    expect(r.years).toBe(2);
  });
});

describe('leniency where the app is loose', () => {
  it('trims and upper-cases symbols, drops duplicates, keeps Massive forms like BRK.B and X:BTCUSD', () => {
    const r = ok(
      parseDataLoadJob(
        { job_id: 'j', job_type: 'multi_timeframe_load', symbols: [' aapl ', 'AAPL', 'brk.b', 'x:btcusd', 'BF-B'] },
        { now: NOW },
      ),
    );
    expect(r.target).toEqual({ kind: 'symbols', symbols: ['AAPL', 'BRK.B', 'X:BTCUSD', 'BF-B'] });
  });

  it('accepts extra fields, null optionals, a missing years (default 1) and "true" as a string flag', () => {
    const r = ok(
      parseDataLoadJob(
        {
          job_id: 'j',
          job_type: 'csv_universe_load',
          symbols: ['AAPL'],
          years: null,
          run_analysis_after_import: 'True',
          something_new: { a: 1 },
          csv_file: null,
        },
        { now: NOW },
      ),
    );
    expect(r.years).toBe(1);
    expect(r.runAnalysisAfterImport).toBe(true);
    expect(r.raw).toMatchObject({ something_new: { a: 1 } });
  });

  it('uses symbols when present and non-empty, csv_file otherwise', () => {
    const both = ok(
      parseDataLoadJob({ job_id: 'j', job_type: 'csv_universe_load', symbols: ['MSFT'], csv_file: 'sp_500.csv' }, { now: NOW }),
    );
    expect(both.target).toEqual({ kind: 'symbols', symbols: ['MSFT'] });
    const empty = ok(parseDataLoadJob({ job_id: 'j', job_type: 'csv_universe_load', symbols: [], csv_file: 'sp_500.csv' }, { now: NOW }));
    expect(empty.target).toEqual({ kind: 'csv_file', csvFile: 'sp_500.csv', universeType: null });
  });

  it('orders and de-duplicates timeframes', () => {
    const r = ok(
      parseDataLoadJob(
        { job_id: 'j', job_type: 'multi_timeframe_load', symbols: ['A'], timeframes: ['month', 'day', 'day', '1min'] },
        { now: NOW },
      ),
    );
    expect(r.timeframes).toEqual(['1min', 'day', 'month']);
  });

  it('accepts a Buffer as well as text and objects', () => {
    expect(ok(parseDataLoadJob(Buffer.from(LIVE_APP_JOB), { now: NOW })).jobId).toBe('e33cca95-c71a-44ce-a377-3b232fa379ae');
  });

  it('tells foreign messages such as {"test": "health_check"} apart from jobs', () => {
    expect(isForeignJobMessage({ test: 'health_check' })).toBe(true);
    expect(isForeignJobMessage({ job_type: 'x' })).toBe(false);
    expect(isForeignJobMessage({ job_id: 'x' })).toBe(false);
  });
});

const live = JSON.parse(LIVE_APP_JOB) as Record<string, unknown>;
const tooMany = Array.from({ length: 10_001 }, (_, i) => `S${i}`);

interface Case {
  name: string;
  input: unknown;
  code: ProtocolErrorCode;
  path: string;
  message: RegExp;
  jobId?: string;
}

const cases: Case[] = [
  { name: 'invalid JSON', input: '{"job_id": "a", "job_type": ', code: 'INVALID_JSON', path: '', message: /not valid JSON/ },
  { name: 'a JSON array', input: '[1,2]', code: 'NOT_AN_OBJECT', path: '', message: /must be a JSON object, got an array/ },
  { name: 'JSON null', input: 'null', code: 'NOT_AN_OBJECT', path: '', message: /got null/ },
  { name: 'missing job_id', input: { ...live, job_id: undefined }, code: 'JOB_ID_MISSING', path: 'job_id', message: /job_id is required/ },
  {
    name: 'job_id a number',
    input: { ...live, job_id: 42 },
    code: 'JOB_ID_INVALID',
    path: 'job_id',
    message: /must be a string, got number 42/,
  },
  {
    name: 'job_id with a space',
    input: { ...live, job_id: 'a b' },
    code: 'JOB_ID_INVALID',
    path: 'job_id',
    message: /"a b" is not a valid job_id/,
  },
  {
    name: 'missing job_type',
    input: { job_id: 'j1', symbols: ['AAPL'] },
    code: 'JOB_TYPE_MISSING',
    path: 'job_type',
    message: /job_type is required/,
    jobId: 'j1',
  },
  {
    name: 'unknown job_type',
    input: { ...live, job_type: 'delete_everything' },
    code: 'JOB_TYPE_UNKNOWN',
    path: 'job_type',
    message: /"delete_everything" is not a known job_type; expected one of csv_universe_load, historical_load/,
    jobId: live['job_id'] as string,
  },
  {
    name: 'symbols a string',
    input: { ...live, symbols: 'AAPL' },
    code: 'WRONG_TYPE',
    path: 'symbols',
    message: /symbols must be an array, got string "AAPL"/,
  },
  {
    name: 'years a string',
    input: { ...live, years: '5' },
    code: 'WRONG_TYPE',
    path: 'years',
    message: /years must be a number, got string "5"/,
  },
  { name: 'a symbol a number', input: { ...live, symbols: ['AAPL', 7] }, code: 'WRONG_TYPE', path: 'symbols[1]', message: /got number 7/ },
  {
    name: '10,001 symbols',
    input: { ...live, symbols: tooMany },
    code: 'TOO_MANY_SYMBOLS',
    path: 'symbols',
    message: /^10001 symbols; a job may name at most 10000$/,
  },
  {
    name: '"../../etc" as the CSV name',
    input: { job_id: 'j2', job_type: 'csv_universe_load', csv_file: '../../etc', universe_type: 'x' },
    code: 'CSV_FILE_INVALID',
    path: 'csv_file',
    message: /csv_file "..\/..\/etc" is not a plain .csv file name/,
    jobId: 'j2',
  },
  {
    name: 'a CSV path with a directory',
    input: { job_id: 'j2', job_type: 'csv_universe_load', csv_file: 'universes/sp_500.csv' },
    code: 'CSV_FILE_INVALID',
    path: 'csv_file',
    message: /not a plain .csv file name/,
  },
  {
    name: '"AAPL; DROP TABLE symbols" as a symbol',
    input: { ...live, symbols: ['MSFT', 'AAPL; DROP TABLE symbols'] },
    code: 'SYMBOL_INVALID',
    path: 'symbols[1]',
    message: /"AAPL; DROP TABLE symbols" is not a valid ticker/,
  },
  {
    name: 'a quoted symbol',
    input: { ...live, symbols: ["AAPL'"] },
    code: 'SYMBOL_INVALID',
    path: 'symbols[0]',
    message: /not a valid ticker/,
  },
  {
    name: 'a symbol with a slash',
    input: { ...live, symbols: ['BRK/B'] },
    code: 'SYMBOL_INVALID',
    path: 'symbols[0]',
    message: /not a valid ticker/,
  },
  {
    name: 'a 21-character symbol',
    input: { ...live, symbols: ['A'.repeat(21)] },
    code: 'SYMBOL_INVALID',
    path: 'symbols[0]',
    message: /at most 20 characters/,
  },
  { name: 'negative years', input: { ...live, years: -1 }, code: 'YEARS_OUT_OF_RANGE', path: 'years', message: /years -1 is out of range/ },
  { name: 'zero years', input: { ...live, years: 0 }, code: 'YEARS_OUT_OF_RANGE', path: 'years', message: /years 0 is out of range/ },
  {
    name: 'huge years',
    input: { ...live, years: 1000 },
    code: 'YEARS_OUT_OF_RANGE',
    path: 'years',
    message: /years 1000 is out of range: it must be above 0 and at most 50/,
  },
  {
    name: 'unknown timeframe',
    input: { ...live, timeframes: ['day', 'fortnight'] },
    code: 'TIMEFRAME_UNKNOWN',
    path: 'timeframes[1]',
    message: /"fortnight" is not a timeframe; expected one of 1min, hour, day, week, month/,
  },
  {
    name: 'unknown timespan',
    input: { job_id: 'h', job_type: 'historical_load', symbols: ['A'], timespan: 'tick' },
    code: 'TIMEFRAME_UNKNOWN',
    path: 'timespan',
    message: /"tick"/,
  },
  {
    name: 'empty timeframes',
    input: { ...live, timeframes: [] },
    code: 'TIMEFRAMES_EMPTY',
    path: 'timeframes',
    message: /timeframes is empty/,
  },
  {
    name: 'csv_universe_load with neither symbols nor csv_file',
    input: { job_id: 'j3', job_type: 'csv_universe_load', years: 1 },
    code: 'SYMBOLS_MISSING',
    path: 'symbols',
    message: /needs a non-empty symbols list or a csv_file/,
  },
  {
    name: 'historical_load without symbols',
    input: { job_id: 'j3', job_type: 'historical_load' },
    code: 'SYMBOLS_MISSING',
    path: 'symbols',
    message: /symbols is required/,
  },
  {
    name: 'historical_load with no symbols',
    input: { job_id: 'j3', job_type: 'historical_load', symbols: [] },
    code: 'SYMBOLS_MISSING',
    path: 'symbols',
    message: /non-empty/,
  },
  {
    name: 'unknown universe_type',
    input: { job_id: 'u', job_type: 'universe_seed', universe_type: 'RUSSELL2000' },
    code: 'UNIVERSE_TYPE_UNKNOWN',
    path: 'universe_type',
    message: /"RUSSELL2000" is not known; expected one of SP500, NASDAQ100, ETF/,
  },
  {
    name: 'universe_seed without universe_type',
    input: { job_id: 'u', job_type: 'universe_seed' },
    code: 'FIELD_MISSING',
    path: 'universe_type',
    message: /universe_type is required/,
  },
];

describe('malformed jobs map to specific error codes', () => {
  it.each(cases)('$name → $code at "$path"', ({ input, code, path, message, jobId }) => {
    const r = parseDataLoadJob(input, { now: NOW });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const first = r.errors[0];
    expect(first?.code).toBe(code);
    expect(first?.path).toBe(path);
    expect(first?.message).toMatch(message);
    if (jobId !== undefined) expect(r.jobId).toBe(jobId);
  });

  it('every code used is a listed code with a description', () => {
    for (const c of cases) expect(PROTOCOL_ERROR_CODES[c.code]).toBeTypeOf('string');
  });

  it('reports the job_id of a rejected job whenever it is readable, and not when it is missing', () => {
    const bad = parseDataLoadJob({ ...live, years: -1 });
    expect(bad.ok === false && bad.jobId).toBe('e33cca95-c71a-44ce-a377-3b232fa379ae');
    const noId = parseDataLoadJob({ ...live, job_id: undefined, years: -1 });
    expect(noId.ok === false && 'jobId' in noId).toBe(false);
  });

  it('lists every problem of a job at once', () => {
    const r = parseDataLoadJob({ ...live, years: 99, symbols: ['A;B'], timeframes: ['yearly'] });
    expect(r.ok === false && r.errors.map((e) => `${e.code}@${e.path}`).sort()).toEqual([
      'SYMBOL_INVALID@symbols[0]',
      'TIMEFRAME_UNKNOWN@timeframes[0]',
      'YEARS_OUT_OF_RANGE@years',
    ]);
  });

  it('lists at most 20 issues plus a summary for a flood of bad symbols', () => {
    const r = parseDataLoadJob({ ...live, symbols: Array.from({ length: 50 }, () => 'bad symbol') });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(21);
    expect(r.errors[20]).toEqual({ code: 'SYMBOL_INVALID', path: '', message: 'and 30 more issues' });
  });

  it('normalizeDataLoadJob throws a ProtocolError with the code, the job_id and every issue', () => {
    let caught: unknown;
    try {
      normalizeDataLoadJob({ ...live, years: 0 }, { now: NOW });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ProtocolError);
    const e = caught as ProtocolError;
    expect(e.code).toBe('YEARS_OUT_OF_RANGE');
    expect(e.jobId).toBe('e33cca95-c71a-44ce-a377-3b232fa379ae');
    expect(e.message).toBe('YEARS_OUT_OF_RANGE at years: years 0 is out of range: it must be above 0 and at most 50');
    expect(e.issues).toHaveLength(1);
  });

  it('parseDataLoadJob never throws, whatever it is given', () => {
    for (const input of [undefined, 0, true, Symbol.for('x'), () => 1, new Date(), '', '"text"', '{"job_id": {}}', { job_type: {} }]) {
      expect(() => parseDataLoadJob(input)).not.toThrow();
      expect(parseDataLoadJob(input).ok).toBe(false);
    }
  });
});
