/**
 * Deterministic fuzzing: a seeded PRNG and generators of hostile JSON (random values, injection strings, awkward
 * unicode, deep nesting, text mutations). Every fuzz test prints its seed in its name; a failure is reproduced by
 * running the same file with `FUZZ_SEED=<seed>`.
 */

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The seed every fuzz test uses unless `FUZZ_SEED` says otherwise. */
export const DEFAULT_FUZZ_SEED = 20_251_223;

/** The seed of this run: `FUZZ_SEED` (an integer 0..2^32-1) or {@link DEFAULT_FUZZ_SEED}. */
export function fuzzSeed(): number {
  const text = process.env.FUZZ_SEED;
  if (text === undefined || text.trim() === '') return DEFAULT_FUZZ_SEED;
  const seed = Number(text);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff)
    throw new Error(`FUZZ_SEED must be an integer from 0 to 4294967295, got ${text}`);
  return seed;
}

/** A small seeded PRNG (mulberry32): the same seed always gives the same sequence. */
export class FuzzRandom {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)] as T;
  }

  /** A random string: hostile strings, job-like words, or random characters from every awkward range. */
  string(): string {
    switch (this.int(4)) {
      case 0:
        return this.pick(HOSTILE_STRINGS).text;
      case 1:
        return this.pick(JOB_WORDS);
      default: {
        const n = this.int(24);
        let s = '';
        for (let i = 0; i < n; i++) s += this.pick(CHARACTER_POOL);
        return s;
      }
    }
  }

  /** A random number: edge cases (zero, negative zero, extremes, just past limits) or a random float. */
  number(): number {
    return this.chance(0.6) ? this.pick(EDGE_NUMBERS) : (this.next() - 0.5) * 10 ** this.int(12);
  }

  /** A random JSON value, nested at most `depth` deep; object keys lean towards the job protocol's field names. */
  json(depth = 3): Json {
    switch (this.int(depth > 0 ? 7 : 4)) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.number();
      case 3:
        return this.string();
      case 4:
      case 5: {
        const n = this.int(5);
        const out: Json[] = [];
        for (let i = 0; i < n; i++) out.push(this.json(depth - 1));
        return out;
      }
      default: {
        const out: { [key: string]: Json } = {};
        const n = this.int(6);
        for (let i = 0; i < n; i++) setOwn(out, this.chance(0.7) ? this.pick(FIELD_NAMES) : this.string(), this.json(depth - 1));
        return out;
      }
    }
  }

  /** A JSON object made of the job and control fields with random (mostly wrong, sometimes right) values. */
  jobLike(): { [key: string]: Json } {
    const out: { [key: string]: Json } = {};
    for (const name of FIELD_NAMES) {
      if (!this.chance(0.45)) continue;
      setOwn(out, name, this.chance(0.35) ? this.plausible(name) : this.json(2));
    }
    return out;
  }

  /** A value of the right kind for a field (though not always a valid one). */
  plausible(field: string): Json {
    switch (field) {
      case 'job_type':
        return this.pick(['csv_universe_load', 'historical_load', 'multi_timeframe_load', 'universe_seed']);
      case 'symbols':
        return Array.from({ length: this.int(4) }, () =>
          this.chance(0.7) ? this.pick(['AAPL', 'msft', ' nvda ', 'BRK.B', 'X:BTCUSD']) : this.string(),
        );
      case 'timeframes':
        return Array.from({ length: this.int(4) }, () => this.pick(['1min', 'hour', 'day', 'week', 'month', 'minute', 'DAY']));
      case 'timespan':
        return this.pick(['minute', 'hour', 'day', 'week', 'month', '1min', 'year']);
      case 'years':
        return this.number();
      case 'universe_type':
        return this.pick(['SP500', 'NASDAQ100', 'ETF', 'sp_500', 'RUSSELL2000']);
      case 'csv_file':
        return this.pick(['sp_500.csv', 'dow.CSV', '../x.csv', 'a/b.csv', '.hidden.csv']);
      case 'action':
        return this.pick(['cancel', 'CANCEL', 'stop']);
      case 'command':
        return this.pick(['cancel_all', 'cancel', 'CANCEL_ALL']);
      case 'run_analysis_after_import':
      case 'include_ohlcv':
        return this.pick([true, false, 'true', 'false', 'yes', 1]);
      default:
        return this.string();
    }
  }

  /** `text` with a few random edits: characters flipped, inserted, deleted, or the end cut off. */
  mutateText(text: string): string {
    let s = text;
    const edits = 1 + this.int(4);
    for (let e = 0; e < edits && s.length > 0; e++) {
      const at = this.int(s.length);
      switch (this.int(4)) {
        case 0:
          s = s.slice(0, at) + this.pick(CHARACTER_POOL) + s.slice(at + 1);
          break;
        case 1:
          s = s.slice(0, at) + this.pick(STRUCTURAL) + s.slice(at);
          break;
        case 2:
          s = s.slice(0, at) + s.slice(at + 1 + this.int(4));
          break;
        default:
          s = s.slice(0, at);
      }
    }
    return s;
  }
}

/** Sets an own property, even `__proto__` (a plain assignment would change the prototype instead). */
export function setOwn(target: { [key: string]: Json }, key: string, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A hostile string, with what it is for the reader of a failure. */
export interface HostileString {
  name: string;
  text: string;
}

/** Injection attempts: SQL, paths, templates, prototype keys, protocol (CRLF / RESP), NUL, markup, shells. */
export const INJECTION_STRINGS: readonly HostileString[] = [
  { name: 'SQL drop', text: "'; DROP TABLE ohlcv_daily; --" },
  { name: 'SQL tautology', text: "' OR '1'='1" },
  { name: 'SQL no spaces', text: "AAPL';DELETE/**/FROM/**/symbols;--" },
  { name: 'path traversal', text: '../../etc/passwd' },
  { name: 'windows path', text: '..\\..\\windows\\win.ini' },
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template injection attempt, on purpose
  { name: 'template', text: '${}' },
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template injection attempt, on purpose
  { name: 'template env', text: '${process.env.DATABASE_URL}' },
  { name: '__proto__', text: '__proto__' },
  { name: 'constructor', text: 'constructor' },
  { name: 'toString', text: 'toString' },
  { name: 'CRLF', text: 'AAPL\r\nMSFT' },
  { name: 'RESP injection', text: '\r\n*1\r\n$8\r\nFLUSHALL\r\n' },
  { name: 'NUL', text: 'AAPL\u0000' },
  { name: 'NUL only', text: '\u0000' },
  { name: 'HTML', text: '<script>alert(1)</script>' },
  { name: 'shell', text: '$(rm -rf /)' },
  { name: 'backticks', text: '`id`' },
  { name: 'format', text: '%s%s%s%n' },
  { name: 'JSON in a string', text: '{"job_id":"x","job_type":"universe_seed"}' },
  { name: 'glob', text: '*' },
  { name: 'empty', text: '' },
  { name: 'spaces', text: '   ' },
];

/** Unicode that breaks naive handling: direction overrides, invisible characters, emoji, lone surrogates. */
export const UNICODE_STRINGS: readonly HostileString[] = [
  { name: 'RTL override', text: '\u202eLPAA' },
  { name: 'Arabic', text: 'سهم' },
  { name: 'zero-width space', text: 'AA\u200bPL' },
  { name: 'zero-width joiner', text: 'A\u200dAPL' },
  { name: 'byte order mark', text: '\ufeffAAPL' },
  { name: 'no-break space', text: 'AAPL\u00a0' },
  { name: 'line separator', text: 'AAPL\u2028' },
  { name: 'emoji', text: '📈' },
  { name: 'emoji ZWJ sequence', text: '👨‍👩‍👧' },
  { name: 'lone high surrogate', text: '\ud800' },
  { name: 'lone low surrogate', text: 'AAPL\udc00' },
  { name: 'combining accent', text: 'A\u0301APL' },
  { name: 'full-width letters', text: 'ＡＡＰＬ' },
  { name: 'dotless i', text: 'ıbm' },
];

/** Every hostile string. */
export const HOSTILE_STRINGS: readonly HostileString[] = [...INJECTION_STRINGS, ...UNICODE_STRINGS];

/** The field names of data-load jobs and control messages, and prototype keys. */
export const FIELD_NAMES: readonly string[] = [
  'job_id',
  'job_type',
  'symbols',
  'timeframes',
  'timespan',
  'years',
  'source',
  'universe_key',
  'universe_type',
  'csv_file',
  'include_ohlcv',
  'run_analysis_after_import',
  'requested_by',
  'timestamp',
  'action',
  'command',
  'reason',
  '__proto__',
  'constructor',
  'prototype',
];

const JOB_WORDS = [
  'csv_universe_load',
  'historical_load',
  'universe_seed',
  'day',
  'minute',
  'AAPL',
  'cancel',
  'cancel_all',
  'SP500',
  'sp_500.csv',
];

const EDGE_NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.5,
  50,
  50.000001,
  10_000,
  10_001,
  1e21,
  1e308,
  -1e308,
  5e-324,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 31),
  0.0027,
];

const STRUCTURAL = ['{', '}', '[', ']', '"', ',', ':', '\\', 'null', '1e999'];

const CHARACTER_POOL = [
  ...'abcXYZ019.-:_ /\\\'"`$%{}[]<>;,=&?#',
  '\u0000',
  '\u0007',
  '\t',
  '\r',
  '\n',
  '\u007f',
  '\u00a0',
  '\u00e9',
  '\u200b',
  '\u202e',
  '\u2028',
  '\ufeff',
  '\ud800',
  '\udc00',
  '📈',
  'ß',
];

/** `[[[...]]]`, `depth` levels, as text. */
export function nestedArrayText(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

/** `{"a":{"a":...1}}`, `depth` levels, as text. */
export function nestedObjectText(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** The parsed form of {@link nestedArrayText}, built without recursion. */
export function nestedArray(depth: number): Json {
  let v: Json = [];
  for (let i = 1; i < depth; i++) v = [v];
  return v;
}

/** The parsed form of {@link nestedObjectText}, built without recursion. */
export function nestedObject(depth: number): Json {
  let v: Json = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}
