/**
 * Fuzzing the parsers of every message a worker receives (data-load jobs, control messages, status forms) with a
 * seeded PRNG: random JSON, mutations of every conformance example, 1 MiB messages, nesting 10,000 deep, hostile
 * unicode and injection strings in every string field. The parsers must never throw; a refusal must carry a known
 * code, the field's path and a short message; a valid job must come out safe; and no prototype may be polluted.
 * The seed is in every test name: rerun with FUZZ_SEED=<seed> to reproduce a failure.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { TIMEFRAMES } from '@tickstock/market-time';
import {
  FuzzRandom,
  fuzzSeed,
  HOSTILE_STRINGS,
  type HostileString,
  type Json,
  nestedArray,
  nestedArrayText,
  nestedObject,
  nestedObjectText,
  setOwn,
} from '@tickstock/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CSV_FILE_PATTERN,
  type DataLoadParseResult,
  type DataLoadRequest,
  isForeignControlMessage,
  isForeignJobMessage,
  JOB_ID_PATTERN,
  MAX_SYMBOL_LENGTH,
  type ParseResult,
  PROTOCOL_ERROR_CODES,
  type ProtocolErrorCode,
  type ProtocolIssue,
  parseControlMessage,
  parseDataLoadJob,
  parseJobStatus,
  parseJobStatusHash,
  UNIVERSE_TYPES,
} from '../src/index.js';
import { MAX_LISTED_ISSUES } from '../src/issues.js';
import { MAX_MESSAGE_LENGTH } from '../src/json.js';

const SEED = fuzzSeed();
const TAG = `seed ${SEED}`;
// 2025-12-23 17:15:14Z = 12:15:14 in New York.
const NOW = Date.UTC(2025, 11, 23, 17, 15, 14);
const DEEP = 10_000;
/** No refusal message is longer than this: values are quoted, cut at 60 characters. */
const MAX_ISSUE_MESSAGE = 300;
const CODES = Object.keys(PROTOCOL_ERROR_CODES);
const PATH = /^(?:[a-z_]+(?:\[\d+\])*)?$/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** True when `s` holds a C0 control character (CR, LF, NUL...); JSON leaves DEL as it is, harmless in a log line. */
const hasRawControl = (s: string) => [...s].some((c) => c.charCodeAt(0) < 0x20);

// ---- the conformance examples ----------------------------------------------------------------------------------

interface Example {
  name: string;
  text: string;
  value: Record<string, Json>;
}

const conformance = fileURLToPath(new URL('../conformance/', import.meta.url));
const manifest = JSON.parse(readFileSync(`${conformance}manifest.json`, 'utf8')) as { schema: string; examples: string[] }[];

function examplesOf(schema: string): Example[] {
  const entry = manifest.find((m) => m.schema === schema);
  if (!entry) throw new Error(`no ${schema} in the conformance manifest`);
  return entry.examples.map((path) => {
    const text = readFileSync(`${conformance}${path}`, 'utf8');
    return { name: path.replace(/^examples\/|\.json$/g, ''), text, value: JSON.parse(text) as Record<string, Json> };
  });
}

const JOB_EXAMPLES = examplesOf('schemas/data-load-job.schema.json');
const CONTROL_EXAMPLES = examplesOf('schemas/control-message.schema.json');

// ---- what each field accepts, per job type (from schemas/jobs.ts) ----------------------------------------------

type Kind = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';
type Verdict = ProtocolErrorCode | 'ok';

interface FieldRule {
  /** JSON types the field accepts. */
  kinds: Kind[];
  /** Code of a value of another type. */
  wrongType: ProtocolErrorCode;
  /** Verdict when the field is null, and when it is left out. */
  whenNull: Verdict;
  whenDropped: Verdict;
  /** The path the null/drop issue names, when not the field itself. */
  missingPath?: string;
  /** Array fields: code of an element of the wrong type. */
  elementWrongType?: ProtocolErrorCode;
  /** How a hostile string in this field (or element) fares. */
  strings: 'job_id' | 'free' | 'symbol' | ProtocolErrorCode;
}

const free = (kinds: Kind[]): FieldRule => ({ kinds, wrongType: 'WRONG_TYPE', whenNull: 'ok', whenDropped: 'ok', strings: 'free' });

const COMMON: Record<string, FieldRule> = {
  job_id: { kinds: ['string'], wrongType: 'JOB_ID_INVALID', whenNull: 'JOB_ID_MISSING', whenDropped: 'JOB_ID_MISSING', strings: 'job_id' },
  job_type: {
    kinds: ['string'],
    wrongType: 'JOB_TYPE_UNKNOWN',
    whenNull: 'JOB_TYPE_MISSING',
    whenDropped: 'JOB_TYPE_MISSING',
    strings: 'JOB_TYPE_UNKNOWN',
  },
  years: { kinds: ['number', 'null'], wrongType: 'WRONG_TYPE', whenNull: 'ok', whenDropped: 'ok', strings: 'WRONG_TYPE' },
  source: free(['string', 'null']),
  universe_key: free(['string', 'null']),
  requested_by: free(['string', 'null']),
  run_analysis_after_import: free(['boolean', 'string', 'null']),
  timestamp: free(['string', 'number', 'null']),
};

const SYMBOLS_REQUIRED: FieldRule = {
  kinds: ['array'],
  wrongType: 'WRONG_TYPE',
  whenNull: 'WRONG_TYPE',
  whenDropped: 'SYMBOLS_MISSING',
  elementWrongType: 'WRONG_TYPE',
  strings: 'symbol',
};
const TIMEFRAMES_RULE: FieldRule = {
  kinds: ['array', 'null'],
  wrongType: 'WRONG_TYPE',
  whenNull: 'ok',
  whenDropped: 'ok',
  elementWrongType: 'TIMEFRAME_UNKNOWN',
  strings: 'TIMEFRAME_UNKNOWN',
};

function rulesFor(example: Example): Record<string, FieldRule> {
  const v = example.value;
  switch (v['job_type']) {
    case 'csv_universe_load': {
      // One of symbols (non-empty) and csv_file is needed; without either: SYMBOLS_MISSING at symbols.
      const hasSymbols = Array.isArray(v['symbols']) && v['symbols'].length > 0;
      const hasCsv = typeof v['csv_file'] === 'string';
      return {
        ...COMMON,
        symbols: {
          kinds: ['array', 'null'],
          wrongType: 'WRONG_TYPE',
          whenNull: hasCsv ? 'ok' : 'SYMBOLS_MISSING',
          whenDropped: hasCsv ? 'ok' : 'SYMBOLS_MISSING',
          elementWrongType: 'WRONG_TYPE',
          strings: 'symbol',
        },
        csv_file: {
          kinds: ['string', 'null'],
          wrongType: 'WRONG_TYPE',
          whenNull: hasSymbols ? 'ok' : 'SYMBOLS_MISSING',
          whenDropped: hasSymbols ? 'ok' : 'SYMBOLS_MISSING',
          missingPath: 'symbols',
          strings: 'CSV_FILE_INVALID',
        },
        universe_type: free(['string', 'null']),
        timeframes: TIMEFRAMES_RULE,
        include_ohlcv: { kinds: ['boolean', 'null'], wrongType: 'WRONG_TYPE', whenNull: 'ok', whenDropped: 'ok', strings: 'WRONG_TYPE' },
      };
    }
    case 'historical_load':
      return {
        ...COMMON,
        symbols: SYMBOLS_REQUIRED,
        timespan: {
          kinds: ['string', 'null'],
          wrongType: 'TIMEFRAME_UNKNOWN',
          whenNull: 'ok',
          whenDropped: 'ok',
          strings: 'TIMEFRAME_UNKNOWN',
        },
      };
    case 'multi_timeframe_load':
      return { ...COMMON, symbols: SYMBOLS_REQUIRED, timeframes: TIMEFRAMES_RULE };
    case 'universe_seed':
      return {
        ...COMMON,
        universe_type: {
          kinds: ['string'],
          wrongType: 'UNIVERSE_TYPE_UNKNOWN',
          whenNull: 'UNIVERSE_TYPE_UNKNOWN',
          whenDropped: 'FIELD_MISSING',
          strings: 'UNIVERSE_TYPE_UNKNOWN',
        },
        timeframes: TIMEFRAMES_RULE,
      };
    default:
      throw new Error(`unexpected job_type in ${example.name}`);
  }
}

/** Fields some job type knows that this one does not: anything goes there (extra fields are kept, not checked). */
const EVERY_FIELD = ['symbols', 'timeframes', 'timespan', 'csv_file', 'universe_type', 'include_ohlcv', ...Object.keys(COMMON)];

const TYPE_SAMPLES: { kind: Kind; value: Json }[] = [
  { kind: 'boolean', value: true },
  { kind: 'boolean', value: false },
  { kind: 'number', value: 0 },
  { kind: 'number', value: -7 },
  { kind: 'number', value: 1e308 },
  { kind: 'string', value: '7' },
  { kind: 'string', value: '' },
  { kind: 'array', value: [] },
  { kind: 'array', value: [1, 'AAPL'] },
  { kind: 'object', value: {} },
  { kind: 'object', value: { a: 1 } },
];

/** Hostile strings a job's job_id accepts: 1-128 printable ASCII characters without spaces. */
const JOB_ID_ACCEPTS = new Set([
  'SQL no spaces',
  'path traversal',
  'windows path',
  'template',
  'template env',
  '__proto__',
  'constructor',
  'toString',
  'HTML',
  'backticks',
  'format',
  'JSON in a string',
  'glob',
]);

/** Hostile strings that are valid tickers after trimming and upper-casing, and what they become. */
const SYMBOL_ACCEPTS = new Map([
  ['constructor', 'CONSTRUCTOR'],
  ['toString', 'TOSTRING'],
  ['byte order mark', 'AAPL'], // U+FEFF and U+00A0, U+2028 count as white space: trimmed
  ['no-break space', 'AAPL'],
  ['line separator', 'AAPL'],
]);

// ---- helpers ---------------------------------------------------------------------------------------------------

/** Safe to print whatever the input (deep, huge, cyclic). */
function preview(value: unknown): string {
  let s: string;
  try {
    s = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    s = `[${Array.isArray(value) ? 'array' : typeof value} that JSON cannot show]`;
  }
  return s.length > 200 ? `${s.slice(0, 200)}... (${s.length} characters)` : s;
}

/** A failure message, built only when needed (fuzz loops run thousands of cases). */
type Context = string | (() => string);
const say = (context: Context) => `${typeof context === 'string' ? context : context()}`;

function parseJob(input: unknown, context: Context): DataLoadParseResult {
  try {
    return parseDataLoadJob(input, { now: NOW });
  } catch (e) {
    throw new Error(`${say(context)}: parseDataLoadJob threw ${String(e)} on ${preview(input)}`);
  }
}

function parseControl(input: unknown, context: Context): ParseResult<unknown> {
  try {
    return parseControlMessage(input);
  } catch (e) {
    throw new Error(`${say(context)}: parseControlMessage threw ${String(e)} on ${preview(input)}`);
  }
}

/** What is wrong with a refusal: it needs at least one issue, each with a known code, a path and a short, printable message. */
function issueProblems(errors: readonly ProtocolIssue[]): string[] {
  const problems: string[] = [];
  if (errors.length === 0 || errors.length > MAX_LISTED_ISSUES + 1) problems.push(`${errors.length} issues`);
  for (const issue of errors) {
    const shown = `${issue.code} at "${issue.path}": ${preview(issue.message)}`;
    if (!CODES.includes(issue.code)) problems.push(`unknown code in ${shown}`);
    if (!PATH.test(issue.path)) problems.push(`bad path in ${shown}`);
    if (issue.message.length === 0 || issue.message.length > MAX_ISSUE_MESSAGE)
      problems.push(`message of ${issue.message.length} characters in ${shown}`);
    // Values are quoted as JSON: CR, LF, NUL and lone surrogates never reach a log line raw. (JSON.parse's own
    // message for INVALID_JSON is the exception: it quotes a few characters of the input as they are.)
    if (issue.code !== 'INVALID_JSON' && (hasRawControl(issue.message) || LONE_SURROGATE.test(issue.message)))
      problems.push(`raw control character or lone surrogate in ${JSON.stringify(issue.message)}`);
  }
  return problems;
}

function expectClearIssues(errors: readonly ProtocolIssue[], context: Context): void {
  const problems = issueProblems(errors);
  if (problems.length > 0) expect.fail(`${say(context)}: ${problems.join('; ')}`);
}

function refused(result: DataLoadParseResult | ParseResult<unknown>, context: Context): ProtocolIssue[] {
  if (result.ok) expect.fail(`${say(context)}: expected a refusal, got a valid message`);
  expectClearIssues(result.errors, context);
  return result.errors;
}

function accepted(result: DataLoadParseResult, context: Context): DataLoadRequest {
  if (!result.ok) expect.fail(`${say(context)}: expected a valid job, got ${preview(result.errors)}`);
  const problems = requestProblems(result.request);
  if (problems.length > 0) expect.fail(`${say(context)}: unsafe request: ${problems.join('; ')}`);
  return result.request;
}

const SAFE_SYMBOL = /^(?:[A-Z]{1,2}:)?[A-Z0-9][A-Z0-9.-]*$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** What is wrong with a request the parser let through, judged by what a worker relies on. */
function requestProblems(r: DataLoadRequest): string[] {
  const problems: string[] = [];
  if (!JOB_ID_PATTERN.test(r.jobId)) problems.push(`job_id ${preview(r.jobId)}`);
  const target = r.target;
  if (target.kind === 'symbols') {
    const bad = target.symbols.filter((s) => !SAFE_SYMBOL.test(s) || s.length > MAX_SYMBOL_LENGTH);
    if (target.symbols.length === 0 || bad.length > 0) problems.push(`symbols ${preview(bad)} of ${target.symbols.length}`);
    if (new Set(target.symbols).size !== target.symbols.length) problems.push('duplicate symbols');
  } else if (target.kind === 'csv_file') {
    if (!CSV_FILE_PATTERN.test(target.csvFile)) problems.push(`csv_file ${preview(target.csvFile)}`);
  } else if (!(UNIVERSE_TYPES as readonly string[]).includes(target.universeType))
    problems.push(`universe ${preview(target.universeType)}`);
  const ordered = TIMEFRAMES.filter((t) => r.timeframes.includes(t));
  if (r.timeframes.length === 0 || ordered.join() !== r.timeframes.join()) problems.push(`timeframes ${preview(r.timeframes)}`);
  if (!(Number.isFinite(r.years) && r.years > 0 && r.years <= 50)) problems.push(`years ${r.years}`);
  if (Object.keys(r.ranges).sort().join() !== [...r.timeframes].sort().join()) problems.push(`ranges ${preview(r.ranges)}`);
  for (const range of Object.values(r.ranges))
    if (!range || !DATE.test(range.from) || !DATE.test(range.to) || range.from > range.to) problems.push(`range ${preview(range)}`);
  return problems;
}

/** The one issue a single-field mutation must produce. */
function expectOneIssue(result: DataLoadParseResult | ParseResult<unknown>, code: ProtocolErrorCode, path: string, context: Context) {
  const errors = refused(result, context);
  expect(
    errors.map((e) => ({ code: e.code, path: e.path })),
    say(context),
  ).toEqual([{ code, path }]);
}

function withField(value: Record<string, Json>, field: string, v: Json): Record<string, Json> {
  const out: Record<string, Json> = { ...value };
  setOwn(out, field, v);
  return out;
}

function without(value: Record<string, Json>, field: string): Record<string, Json> {
  const out = { ...value };
  delete out[field];
  return out;
}

/** JSON text of `value` with the field's value replaced by raw JSON text (for values JSON.stringify cannot write). */
function textWithRawField(value: Record<string, Json>, field: string, rawJson: string): string {
  const marker = '@@raw-json@@';
  return JSON.stringify(withField(value, field, marker)).replace(`"${marker}"`, () => rawJson);
}

/** Verdict of a hostile string in a field, and the issue path. */
function stringVerdict(rule: FieldRule, h: HostileString): Verdict {
  switch (rule.strings) {
    case 'job_id':
      return JOB_ID_ACCEPTS.has(h.name) ? 'ok' : 'JOB_ID_INVALID';
    case 'free':
      return 'ok';
    case 'symbol':
      return SYMBOL_ACCEPTS.has(h.name) ? 'ok' : 'SYMBOL_INVALID';
    default:
      return rule.strings;
  }
}

const prototypesBefore = {
  object: Object.getOwnPropertyNames(Object.prototype).sort(),
  array: Object.getOwnPropertyNames(Array.prototype).sort(),
  function: Object.getOwnPropertyNames(Function.prototype).sort(),
};

function expectPrototypesClean(context: string): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort(), context).toEqual(prototypesBefore.object);
  expect(Object.getOwnPropertyNames(Array.prototype).sort(), context).toEqual(prototypesBefore.array);
  expect(Object.getOwnPropertyNames(Function.prototype).sort(), context).toEqual(prototypesBefore.function);
  expect(({} as Record<string, unknown>)['polluted'], context).toBeUndefined();
}

afterAll(() => expectPrototypesClean(`after every fuzz case`));

// ---- the tests -------------------------------------------------------------------------------------------------

describe(`random messages (${TAG})`, () => {
  const rng = new FuzzRandom(SEED);

  /** A conformance example with one to three fields dropped or given random, or plausible, values. */
  function nearMiss(): Json {
    const out: Record<string, Json> = { ...rng.pick(JOB_EXAMPLES).value };
    for (let n = 1 + rng.int(3); n > 0; n--) {
      const field = rng.pick(EVERY_FIELD);
      if (rng.chance(0.2)) delete out[field];
      else setOwn(out, field, rng.chance(0.6) ? rng.plausible(field) : rng.json(2));
    }
    return out;
  }

  /** Fails unless both answers are the same. */
  function expectSame(a: unknown, b: unknown, context: Context): void {
    if (!isDeepStrictEqual(a, b)) expect.fail(`${say(context)}: ${preview(a)} differs from ${preview(b)}`);
  }

  it('6,000 random JSON values, as text and parsed: never a throw; each refused clearly or a safe valid job', () => {
    let valid = 0;
    for (let i = 0; i < 6_000; i++) {
      const value = i % 3 === 0 ? rng.json(4) : i % 3 === 1 ? rng.jobLike() : nearMiss();
      const text = JSON.stringify(value);
      const context = () => `random case #${i}: ${preview(text)}`;
      const fromText = parseJob(text, context);
      // The same message, given as text or already parsed, gets the same answer (a string given is read as JSON text).
      if (typeof value !== 'string') expectSame(parseJob(JSON.parse(text), context), fromText, context);
      if (fromText.ok) {
        accepted(fromText, context);
        valid += 1;
      } else refused(fromText, context);
      const control = parseControl(text, context);
      if (typeof value !== 'string') expectSame(parseControl(JSON.parse(text), context), control, context);
      if (!control.ok) refused(control, context);
    }
    // Near misses are often still valid jobs: the "safe valid job" side is exercised too.
    expect(valid, 'random cases that were valid jobs').toBeGreaterThan(100);
  });

  it('3,000 text mutations of the conformance examples (flipped, inserted, deleted characters, cut ends): never a throw', () => {
    const all = [...JOB_EXAMPLES, ...CONTROL_EXAMPLES];
    for (let i = 0; i < 3_000; i++) {
      const example = rng.pick(all);
      const text = rng.mutateText(example.text);
      const context = () => `text mutation #${i} of ${example.name}: ${preview(text)}`;
      const job = parseJob(text, context);
      if (job.ok) accepted(job, context);
      else refused(job, context);
      // As bytes the same (lone surrogates aside: UTF-8 cannot carry them).
      if (!LONE_SURROGATE.test(text)) expectSame(parseJob(Buffer.from(text, 'utf8'), context), job, context);
      const control = parseControl(text, context);
      if (!control.ok) refused(control, context);
    }
  });

  it('the other incoming forms (status JSON, status hashes) never throw on 2,000 random inputs', () => {
    const attempt = <T>(fn: () => T, context: Context): T => {
      try {
        return fn();
      } catch (e) {
        return expect.fail(`${say(context)}: threw ${String(e)}`);
      }
    };
    for (let i = 0; i < 2_000; i++) {
      const value = rng.json(3);
      const context = () => `status case #${i}: ${preview(value)}`;
      const status = attempt(() => parseJobStatus(JSON.stringify(value)), context);
      if (!status.ok) expectClearIssues(status.errors, context);
      const hash: Record<string, string> = {};
      for (const key of ['status', 'progress', 'total_symbols', 'successful_symbols', 'failed_symbols', 'completed_at', rng.string()])
        if (rng.chance(0.6)) hash[key] = rng.chance(0.3) ? rng.pick(['running', 'failed', '45', '["AAPL"]', '']) : rng.string();
      const hashContext = () => `status hash case #${i}: ${preview(hash)}`;
      const fromHash = attempt(() => parseJobStatusHash(hash), hashContext);
      if (!fromHash.ok) expectClearIssues(fromHash.errors, hashContext);
    }
  });
});

describe(`mutations of every conformance example (${TAG})`, () => {
  it('every example is valid as published', () => {
    for (const ex of JOB_EXAMPLES) accepted(parseJob(ex.text, ex.name), ex.name);
    for (const ex of CONTROL_EXAMPLES) expect(parseControl(ex.text, ex.name).ok, ex.name).toBe(true);
  });

  for (const ex of JOB_EXAMPLES) {
    const rules = rulesFor(ex);
    const jobId = ex.value['job_id'] as string;

    it(`${ex.name}: each field dropped, set to null, or given each wrong JSON type is refused with that field's code and path`, () => {
      for (const field of EVERY_FIELD) {
        const rule = rules[field];
        const context = (what: string) => `${ex.name}.${field} ${what}`;
        if (!rule) {
          // A field this job type does not know is kept as it is, whatever its value.
          for (const { value } of [...TYPE_SAMPLES, { value: null }]) {
            const r = accepted(
              parseJob(JSON.stringify(withField(ex.value, field, value)), context(preview(value))),
              context(preview(value)),
            );
            expect((r.raw as Record<string, unknown>)[field], context(preview(value))).toEqual(value);
          }
          continue;
        }
        const dropped = parseJob(JSON.stringify(without(ex.value, field)), context('dropped'));
        if (rule.whenDropped === 'ok') accepted(dropped, context('dropped'));
        else expectOneIssue(dropped, rule.whenDropped, rule.missingPath ?? field, context('dropped'));

        const nulled = parseJob(JSON.stringify(withField(ex.value, field, null)), context('null'));
        if (rule.whenNull === 'ok') accepted(nulled, context('null'));
        else expectOneIssue(nulled, rule.whenNull, rule.missingPath ?? field, context('null'));

        for (const { kind, value } of TYPE_SAMPLES) {
          if (rule.kinds.includes(kind)) continue;
          const r = parseJob(JSON.stringify(withField(ex.value, field, value)), context(`= ${preview(value)}`));
          expectOneIssue(r, rule.wrongType, field, context(`= ${preview(value)}`));
          // A failed status can still be written against the job: its job_id is read from a broken job too.
          if (field !== 'job_id' && !r.ok) expect(r.jobId, context('jobId')).toBe(jobId);
        }
      }
    });

    it(`${ex.name}: values nested in arrays ([v], [[v]]) are refused at the field, or at its first element for list fields`, () => {
      for (const field of Object.keys(rules)) {
        const rule = rules[field] as FieldRule;
        const current = ex.value[field] ?? (rule.elementWrongType ? ['AAPL'] : 'x');
        for (const wrapped of [[current], [[current]]] as Json[]) {
          const context = `${ex.name}.${field} = ${preview(wrapped)}`;
          const r = parseJob(JSON.stringify(withField(ex.value, field, wrapped)), context);
          if (rule.elementWrongType) expectOneIssue(r, rule.elementWrongType, `${field}[0]`, context);
          else expectOneIssue(r, rule.wrongType, field, context);
        }
      }
    });
  }

  it('years: huge, negative, zero, tiny and NaN-like values get exactly the range or type code', () => {
    const base = JOB_EXAMPLES.find((e) => e.name === 'job.historical-load') as Example;
    const cases: [string, Verdict][] = [
      ['0', 'YEARS_OUT_OF_RANGE'],
      ['-0', 'YEARS_OUT_OF_RANGE'],
      ['-1', 'YEARS_OUT_OF_RANGE'],
      ['-1e308', 'YEARS_OUT_OF_RANGE'],
      ['50', 'ok'],
      ['50.000001', 'YEARS_OUT_OF_RANGE'],
      ['1e308', 'YEARS_OUT_OF_RANGE'],
      ['123456789012345678901234567890', 'YEARS_OUT_OF_RANGE'],
      ['1e400', 'WRONG_TYPE'], // JSON.parse makes it Infinity: not a finite number
      ['-1e400', 'WRONG_TYPE'],
      ['5e-324', 'ok'],
      ['0.0027', 'ok'],
      ['"NaN"', 'WRONG_TYPE'],
      ['"Infinity"', 'WRONG_TYPE'],
      ['"-0"', 'WRONG_TYPE'],
      ['"1e3"', 'WRONG_TYPE'],
      ['"0x10"', 'WRONG_TYPE'],
      ['"1"', 'WRONG_TYPE'],
    ];
    for (const [raw, verdict] of cases) {
      const context = `years ${raw}`;
      const r = parseJob(textWithRawField(base.value, 'years', raw), context);
      if (verdict === 'ok') accepted(r, context);
      else expectOneIssue(r, verdict, 'years', context);
    }
    const infinite = parseJob(textWithRawField(base.value, 'years', '1e400'), 'years 1e400');
    expect(infinite.ok ? [] : infinite.errors[0]?.message).toBe('years must be a number, got number Infinity');
    const zero = parseJob(textWithRawField(base.value, 'years', '5e-324'), 'years 5e-324');
    expect(zero.ok && zero.request.ranges).toEqual({ day: { from: '2025-12-23', to: '2025-12-23' } });
  });

  it('a type error names the accepted types and the value: "must be a boolean or a string, got number 5", "got null"', () => {
    const base = { job_id: 'j1', job_type: 'historical_load', symbols: ['AAPL'] };
    const message = (job: Record<string, Json>) => {
      const r = parseJob(job, preview(job));
      return r.ok ? 'valid' : r.errors.map((e) => e.message).join('; ');
    };
    expect(message({ ...base, run_analysis_after_import: 5 })).toBe(
      'run_analysis_after_import must be a boolean or a string, got number 5',
    );
    expect(message({ ...base, timestamp: {} })).toBe('timestamp must be a string or a number, got object {}');
    expect(message({ ...base, symbols: null })).toBe('symbols must be an array, got null');
    expect(message({ ...base, years: '1' })).toBe('years must be a number, got string "1"');
    expect(parseControl({ action: 'cancel', job_id: 'x', timestamp: [] }, 'control timestamp')).toEqual({
      ok: false,
      errors: [{ code: 'CONTROL_INVALID', path: 'timestamp', message: 'timestamp must be a string or a number, got array []' }],
    });
  });

  it('control examples: each field dropped, null or of each wrong type is refused with CONTROL_INVALID or a job_id code', () => {
    const [cancel, cancelAll] = ['control.cancel', 'control.cancel-all'].map(
      (n) => CONTROL_EXAMPLES.find((e) => e.name === n) as Example,
    ) as [Example, Example];
    const rules: [Example, string, Kind[], ProtocolErrorCode, ProtocolErrorCode | 'ok' | 'not-control'][] = [
      // [example, field, accepted kinds, wrong-type code, when dropped]
      [cancel, 'job_id', ['string'], 'JOB_ID_INVALID', 'JOB_ID_MISSING'],
      [cancel, 'action', ['string'], 'CONTROL_INVALID', 'not-control'],
      [cancel, 'requested_by', ['string', 'null'], 'CONTROL_INVALID', 'ok'],
      [cancel, 'timestamp', ['string', 'number', 'null'], 'CONTROL_INVALID', 'ok'],
      [cancelAll, 'command', ['string'], 'CONTROL_INVALID', 'not-control'],
      [cancelAll, 'reason', ['string', 'null'], 'CONTROL_INVALID', 'ok'],
    ];
    for (const [ex, field, kinds, wrongType, whenDropped] of rules) {
      const context = (what: string) => `${ex.name}.${field} ${what}`;
      const dropped = without(ex.value, field);
      const r = parseControl(JSON.stringify(dropped), context('dropped'));
      if (whenDropped === 'ok') expect(r.ok, context('dropped')).toBe(true);
      else if (whenDropped === 'not-control') {
        // Neither action nor command: the subscriber ignores it as a foreign message; the parser says why.
        expect(isForeignControlMessage(dropped), context('dropped')).toBe(true);
        expectOneIssue(r, 'CONTROL_INVALID', '', context('dropped'));
      } else expectOneIssue(r, whenDropped, field, context('dropped'));
      for (const { kind, value } of [...TYPE_SAMPLES, { kind: 'null' as Kind, value: null }]) {
        if (kinds.includes(kind)) continue;
        const code = field === 'job_id' && value === null ? 'JOB_ID_MISSING' : wrongType;
        expectOneIssue(
          parseControl(JSON.stringify(withField(ex.value, field, value)), context(preview(value))),
          code,
          field,
          context(preview(value)),
        );
      }
    }
  });
});

describe(`injection strings and hostile unicode in every string field (${TAG})`, () => {
  for (const ex of JOB_EXAMPLES) {
    it(`${ex.name}: every string field and list element, with each of ${HOSTILE_STRINGS.length} hostile strings`, () => {
      const rules = rulesFor(ex);
      for (const [field, rule] of Object.entries(rules)) {
        if (!rule.kinds.includes('string') && !rule.elementWrongType) continue;
        for (const h of HOSTILE_STRINGS) {
          const list = rule.elementWrongType !== undefined;
          const existing = Array.isArray(ex.value[field]) ? (ex.value[field] as Json[]) : [];
          const value: Json = list ? [...existing, h.text] : h.text;
          const context = `${ex.name}.${field} = ${h.name} ${JSON.stringify(h.text)}`;
          const r = parseJob(JSON.stringify(withField(ex.value, field, value)), context);
          const verdict = stringVerdict(rule, h);
          if (verdict !== 'ok') {
            expectOneIssue(r, verdict, list ? `${field}[${existing.length}]` : field, context);
            continue;
          }
          const request = accepted(r, context);
          // Accepted strings arrive exactly as sent (symbols trimmed and upper-cased): nothing is interpreted.
          if (field === 'job_id') expect(request.jobId, context).toBe(h.text);
          if (field === 'requested_by') expect(request.requestedBy, context).toBe(h.text);
          if (field === 'source') expect(request.source, context).toBe(h.text);
          if (field === 'universe_key') expect(request.universeKey, context).toBe(h.text);
          if (field === 'timestamp') expect(request.submittedAt, context).toBe(h.text);
          if (field === 'symbols' && request.target.kind === 'symbols') {
            const normalised = SYMBOL_ACCEPTS.get(h.name) as string;
            expect(request.target.symbols, context).toEqual([
              ...new Set([...existing.map((s) => String(s).trim().toUpperCase()), normalised]),
            ]);
          }
          expect((request.raw as Record<string, unknown>)[field], context).toEqual(value);
        }
      }
    });
  }

  it('injection strings inside an otherwise valid symbol list are refused by ticker validation, each at its index', () => {
    const symbols = [
      'AAPL',
      "'; DROP TABLE ohlcv_daily; --",
      'MSFT',
      '../../etc/passwd',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a template injection attempt, on purpose
      '${}',
      '__proto__',
      'AAPL\r\nMSFT',
      'AAPL\u0000',
      'NVDA',
    ];
    const r = parseJob({ job_id: 'j1', job_type: 'multi_timeframe_load', symbols }, 'symbol list');
    const errors = refused(r, 'symbol list');
    expect(errors.map((e) => [e.code, e.path])).toEqual([
      ['SYMBOL_INVALID', 'symbols[1]'],
      ['SYMBOL_INVALID', 'symbols[3]'],
      ['SYMBOL_INVALID', 'symbols[4]'],
      ['SYMBOL_INVALID', 'symbols[5]'],
      ['SYMBOL_INVALID', 'symbols[6]'],
      ['SYMBOL_INVALID', 'symbols[7]'],
    ]);
    expect(errors[0]?.message).toBe(
      `"'; DROP TABLE ohlcv_daily; --" is not a valid ticker: letters, digits, '.' and '-', an optional prefix such as 'X:', at most 20 characters`,
    );
    // Control characters are shown escaped, never raw.
    expect(errors[4]?.message.startsWith('"AAPL\\r\\nMSFT" is not a valid ticker')).toBe(true);
    expect(errors[5]?.message.startsWith('"AAPL\\u0000" is not a valid ticker')).toBe(true);
    expect(r.ok ? undefined : r.jobId).toBe('j1');
    // Words that merely look like code are tickers like any other: kept as upper-case strings, nothing more.
    const words = parseJob({ job_id: 'j2', job_type: 'historical_load', symbols: ['constructor', 'toString', 'NaN', 'Infinity'] }, 'words');
    expect(accepted(words, 'words').target).toEqual({ kind: 'symbols', symbols: ['CONSTRUCTOR', 'TOSTRING', 'NAN', 'INFINITY'] });
  });

  it('control messages: a cancel job_id accepts any 1-128 characters (it is only looked up), other fields keep strings as sent', () => {
    const cancel = CONTROL_EXAMPLES.find((e) => e.name === 'control.cancel') as Example;
    const cancelAll = CONTROL_EXAMPLES.find((e) => e.name === 'control.cancel-all') as Example;
    for (const h of HOSTILE_STRINGS) {
      const context = `control with ${h.name}`;
      const asJobId = parseControl(JSON.stringify(withField(cancel.value, 'job_id', h.text)), context);
      if (h.text.length === 0) expectOneIssue(asJobId, 'JOB_ID_INVALID', 'job_id', context);
      else expect(asJobId, context).toEqual({ ok: true, value: { ...cancel.value, job_id: h.text } });
      for (const field of ['requested_by', 'timestamp'])
        expect(parseControl(JSON.stringify(withField(cancel.value, field, h.text)), context).ok, `${context} in ${field}`).toBe(true);
      expect(parseControl(JSON.stringify(withField(cancelAll.value, 'reason', h.text)), context).ok, `${context} in reason`).toBe(true);
      expectOneIssue(
        parseControl(JSON.stringify(withField(cancel.value, 'action', h.text)), context),
        'CONTROL_INVALID',
        'action',
        context,
      );
      expectOneIssue(
        parseControl(JSON.stringify(withField(cancelAll.value, 'command', h.text)), context),
        'CONTROL_INVALID',
        'command',
        context,
      );
    }
    const long = parseControl({ action: 'cancel', job_id: 'x'.repeat(129) }, '129 characters');
    expectOneIssue(long, 'JOB_ID_INVALID', 'job_id', '129 characters');
  });
});

describe(`prototype pollution (${TAG})`, () => {
  const payloads = [
    '{"__proto__": {"polluted": "yes"}, "job_id": "p1", "job_type": "universe_seed", "universe_type": "SP500"}',
    '{"constructor": {"prototype": {"polluted": "yes"}}, "job_id": "p2", "job_type": "universe_seed", "universe_type": "SP500"}',
    '{"job_id": "p3", "job_type": "historical_load", "symbols": [{"__proto__": {"polluted": "yes"}}]}',
    '{"job_id": "p4", "job_type": "historical_load", "symbols": ["AAPL"], "extra": {"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}}',
    '{"__proto__": {"polluted": "yes"}, "action": "cancel", "job_id": "x"}',
    '{"command": "cancel_all", "constructor": {"prototype": {"polluted": "yes"}}}',
  ];

  it('__proto__ and constructor.prototype keys, at the top or nested, pollute no prototype and stay plain data', () => {
    for (const text of payloads) {
      const job = parseJob(text, text);
      parseControl(text, text);
      if (job.ok) {
        expect(Object.getPrototypeOf(job.request.raw), text).toBe(Object.prototype);
        expect((job.request.raw as Record<string, unknown>)['polluted'], text).toBeUndefined();
      }
      expectPrototypesClean(text);
    }
    const first = parseJob(payloads[0], 'first');
    // JSON.parse makes "__proto__" an own key: the job keeps it as data.
    expect(first.ok && Object.getOwnPropertyDescriptor(first.request.raw, '__proto__')?.value).toEqual({ polluted: 'yes' });
    expect(refused(parseJob(payloads[2], 'nested'), 'nested').map((e) => [e.code, e.path])).toEqual([['WRONG_TYPE', 'symbols[0]']]);
  });

  it('fields smuggled in through __proto__ are not read: no job_id, no job_type, and a years there is not the job’s years', () => {
    const smuggled = JSON.parse('{"__proto__": {"job_id": "x", "job_type": "universe_seed", "universe_type": "SP500"}}') as Record<
      string,
      unknown
    >;
    // To the subscriber this is a foreign message (neither job_id nor job_type of its own): ignored quietly.
    expect(isForeignJobMessage(smuggled)).toBe(true);
    expect(refused(parseJob(smuggled, 'smuggled'), 'smuggled').map((e) => e.code)).toEqual(['JOB_ID_MISSING', 'JOB_TYPE_MISSING']);
    const years = parseJob('{"job_id": "y1", "job_type": "universe_seed", "universe_type": "SP500", "__proto__": {"years": 40}}', 'years');
    expect(accepted(years, 'years').years).toBe(1);
  });
});

describe(`1 MiB messages (${TAG})`, () => {
  const base = { job_id: 'big1', job_type: 'historical_load', symbols: ['AAPL'], years: 1 };

  /** `base` with a padding field making the JSON text exactly `length` characters long. */
  function padded(length: number, char = 'x'): string {
    const empty = JSON.stringify({ ...base, pad: '' });
    return JSON.stringify({ ...base, pad: char.repeat(length - empty.length) });
  }

  it(`a message of exactly ${MAX_MESSAGE_LENGTH} characters is read; one character more is refused as INVALID_JSON without parsing`, () => {
    const atLimit = padded(MAX_MESSAGE_LENGTH);
    expect(atLimit.length).toBe(MAX_MESSAGE_LENGTH);
    expect(accepted(parseJob(atLimit, 'at the limit'), 'at the limit').jobId).toBe('big1');
    const over = parseJob(padded(MAX_MESSAGE_LENGTH + 1), 'over the limit');
    // Not parsed at all; the job_id its head states is still read, so its job gets a failed status naming the limit.
    expect(over).toEqual({
      ok: false,
      jobId: 'big1',
      errors: [
        { code: 'INVALID_JSON', path: '', message: `message of ${MAX_MESSAGE_LENGTH + 1} characters is longer than ${MAX_MESSAGE_LENGTH}` },
      ],
    });
    const control = `{"command": "cancel_all", "reason": "${'r'.repeat(MAX_MESSAGE_LENGTH)}"}`;
    expectOneIssue(parseControl(control, 'control over the limit'), 'INVALID_JSON', '', 'control over the limit');
  });

  it('the limit counts characters, not bytes: 1 Mi three-byte characters (3 MiB of UTF-8) are read, as text or as a Buffer', () => {
    const text = padded(MAX_MESSAGE_LENGTH, '€');
    expect(text.length).toBe(MAX_MESSAGE_LENGTH);
    expect(Buffer.byteLength(text)).toBeGreaterThan(3_100_000);
    accepted(parseJob(text, 'euro text'), 'euro text');
    accepted(parseJob(Buffer.from(text, 'utf8'), 'euro buffer'), 'euro buffer');
  });

  it('a ~1 MiB value in a field is refused with a short message (the value is cut at 60 characters), or kept when free text', () => {
    const huge = 'A'.repeat(MAX_MESSAGE_LENGTH - 200);
    const jobId = parseJob({ ...base, job_id: huge }, 'huge job_id');
    expectOneIssue(jobId, 'JOB_ID_INVALID', 'job_id', 'huge job_id');
    expect(jobId.ok ? '' : jobId.errors[0]?.message).toBe(
      `"${'A'.repeat(56)}... is not a valid job_id: 1-128 printable characters without spaces`,
    );
    expectOneIssue(parseJob(JSON.stringify({ ...base, symbols: [huge] }), 'huge symbol'), 'SYMBOL_INVALID', 'symbols[0]', 'huge symbol');
    expectOneIssue(
      parseJob(JSON.stringify({ ...base, timespan: huge }), 'huge timespan'),
      'TIMEFRAME_UNKNOWN',
      'timespan',
      'huge timespan',
    );
    expect(accepted(parseJob(JSON.stringify({ ...base, requested_by: huge }), 'huge requested_by'), 'huge').requestedBy).toBe(huge);
    const command = parseControl(JSON.stringify({ command: huge }), 'huge command');
    expectOneIssue(command, 'CONTROL_INVALID', 'command', 'huge command');
    expect(command.ok ? '' : command.errors[0]?.message).toBe(`command "${'A'.repeat(56)}... is not known; expected cancel_all`);
    expectOneIssue(
      parseControl(JSON.stringify({ action: 'cancel', job_id: huge }), 'huge cancel'),
      'JOB_ID_INVALID',
      'job_id',
      'huge cancel',
    );
    expect(parseControl(JSON.stringify({ command: 'cancel_all', reason: huge }), 'huge reason').ok).toBe(true);
  });

  it('10,000 symbols are read; 10,001 are TOO_MANY_SYMBOLS; 9,000 bad symbols list 20 issues and a count of the rest', () => {
    const tickers = (n: number) => Array.from({ length: n }, (_, i) => `T${i.toString(36).toUpperCase()}`);
    const tenThousand = accepted(parseJob(JSON.stringify({ ...base, symbols: tickers(10_000) }), '10,000'), '10,000');
    expect(tenThousand.target.kind === 'symbols' && tenThousand.target.symbols.length).toBe(10_000);
    expect(refused(parseJob(JSON.stringify({ ...base, symbols: tickers(10_001) }), '10,001'), '10,001')).toEqual([
      { code: 'TOO_MANY_SYMBOLS', path: 'symbols', message: '10001 symbols; a job may name at most 10000' },
    ]);
    const bad = refused(
      parseJob(JSON.stringify({ ...base, symbols: Array.from({ length: 9_000 }, () => '$x') }), '9,000 bad'),
      '9,000 bad',
    );
    expect(bad).toHaveLength(MAX_LISTED_ISSUES + 1);
    expect(bad.slice(0, MAX_LISTED_ISSUES).map((e) => e.path)).toEqual(
      Array.from({ length: MAX_LISTED_ISSUES }, (_, i) => `symbols[${i}]`),
    );
    expect(bad[MAX_LISTED_ISSUES]).toEqual({ code: 'SYMBOL_INVALID', path: '', message: `and ${9_000 - MAX_LISTED_ISSUES} more issues` });
  });
});

describe(`deep nesting (${TAG})`, () => {
  it(`messages nested ${DEEP} deep, and as deep as 1 MiB allows, are refused with a code, not a stack overflow`, () => {
    expectOneIssue(parseJob(nestedArrayText(DEEP), 'deep array'), 'NOT_AN_OBJECT', '', 'deep array');
    expect(refused(parseJob(nestedObjectText(DEEP), 'deep object'), 'deep object').map((e) => [e.code, e.path])).toEqual([
      ['JOB_ID_MISSING', 'job_id'],
      ['JOB_TYPE_MISSING', 'job_type'],
    ]);
    const deepest = nestedArrayText(MAX_MESSAGE_LENGTH / 2);
    expect(deepest.length).toBe(MAX_MESSAGE_LENGTH);
    expectOneIssue(parseJob(deepest, 'deepest array'), 'NOT_AN_OBJECT', '', 'deepest array');
    expectOneIssue(parseJob('['.repeat(DEEP), 'unclosed'), 'INVALID_JSON', '', 'unclosed');
    expectOneIssue(parseControl(nestedArrayText(DEEP), 'control deep array'), 'NOT_AN_OBJECT', '', 'control deep array');
    expectOneIssue(parseControl(nestedObjectText(DEEP), 'control deep object'), 'CONTROL_INVALID', '', 'control deep object');
  });

  for (const ex of JOB_EXAMPLES) {
    it(`${ex.name}: a value nested ${DEEP} deep in each field is refused at that field; in an unknown field it is kept`, () => {
      const rules = rulesFor(ex);
      for (const field of [...EVERY_FIELD, 'extra']) {
        const rule = rules[field];
        for (const [shape, text, value] of [
          ['array', nestedArrayText(DEEP), nestedArray(DEEP)],
          ['object', nestedObjectText(DEEP), nestedObject(DEEP)],
        ] as const) {
          // As the wire carries it (text); the parsed form too where the value is kept, to check nothing walks it.
          const forms: [string, unknown][] = [['text', textWithRawField(ex.value, field, text)]];
          if (!rule) forms.push(['parsed', withField(ex.value, field, value)]);
          for (const [form, input] of forms) {
            const context = `${ex.name}.${field} = ${DEEP}-deep ${shape} (${form})`;
            const r = parseJob(input, context);
            if (!rule) {
              const request = accepted(r, context);
              expect(Array.isArray((request.raw as Record<string, unknown>)[field]), context).toBe(shape === 'array');
            } else if (shape === 'array' && rule.elementWrongType) expectOneIssue(r, rule.elementWrongType, `${field}[0]`, context);
            else expectOneIssue(r, rule.wrongType, field, context);
          }
        }
      }
    });
  }

  it(`control messages with a value nested ${DEEP} deep in each field are refused at that field`, () => {
    const cases: [Record<string, Json>, string, ProtocolErrorCode][] = [
      [{ action: 'cancel', job_id: 'x' }, 'job_id', 'JOB_ID_INVALID'],
      [{ action: 'cancel', job_id: 'x' }, 'action', 'CONTROL_INVALID'],
      [{ action: 'cancel', job_id: 'x' }, 'requested_by', 'CONTROL_INVALID'],
      [{ action: 'cancel', job_id: 'x' }, 'timestamp', 'CONTROL_INVALID'],
      [{ command: 'cancel_all' }, 'command', 'CONTROL_INVALID'],
      [{ command: 'cancel_all' }, 'reason', 'CONTROL_INVALID'],
    ];
    for (const [base, field, code] of cases)
      for (const [shape, text] of [
        ['array', nestedArrayText(DEEP)],
        ['object', nestedObjectText(DEEP)],
      ]) {
        const context = `control ${field} = ${DEEP}-deep ${shape}`;
        expectOneIssue(parseControl(textWithRawField(base, field, text as string), context), code, field, context);
      }
    const action = parseControl(textWithRawField({ action: 'cancel', job_id: 'x' }, 'action', nestedArrayText(DEEP)), 'action');
    expect(action.ok ? '' : action.errors[0]?.message).toBe('action [an array too deeply nested to show] is not known; expected cancel');
  });
});
