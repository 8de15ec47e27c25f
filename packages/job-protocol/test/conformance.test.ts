import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { CONFORMANCE, conformanceFiles } from '../src/conformance/catalog.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'conformance');
const generated = conformanceFiles();

function committed(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.json')) out[path] = readFileSync(join(dir, path), 'utf8');
    }
  };
  walk('');
  return out;
}

describe('conformance/', () => {
  it('the committed files are exactly what `pnpm --filter @tickstock/job-protocol run conformance` generates', () => {
    const files = committed();
    expect(Object.keys(files).sort()).toEqual(Object.keys(generated).sort());
    for (const [path, content] of Object.entries(generated)) expect(files[path], path).toBe(content);
  });

  it('has a JSON Schema for every message kind and 26 example messages', () => {
    expect(Object.keys(generated).filter((p) => p.startsWith('schemas/'))).toHaveLength(13);
    expect(Object.keys(generated).filter((p) => p.startsWith('examples/'))).toHaveLength(26);
  });

  // What the Python app's team would do: validate each example with a JSON Schema validator.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);

  const validators = new Map(
    CONFORMANCE.map((e) => [e.name, ajv.compile(JSON.parse(generated[`schemas/${e.name}.schema.json`] as string))]),
  );

  for (const entry of CONFORMANCE) {
    const validate = validators.get(entry.name)!;
    for (const [stem, text] of Object.entries(entry.examples)) {
      it(`examples/${stem}.json is valid against schemas/${entry.name}.schema.json (JSON Schema) and the zod schema`, () => {
        const value = JSON.parse(text);
        expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
        expect(entry.schema.safeParse(value).success).toBe(true);
      });
    }
  }

  it('the JSON Schemas reject what zod rejects: a harmful symbol, a path as csv_file, pattern_name, progress 101', () => {
    const check = (name: string, value: unknown) => validators.get(name)!(value);
    const job = { job_id: 'j', job_type: 'csv_universe_load', symbols: ['AAPL; DROP TABLE symbols'] };
    expect(check('data-load-job', job)).toBe(false);
    expect(check('data-load-job', { ...job, symbols: [' aapl ', 'X:BTCUSD', 'BRK.B'] })).toBe(true);
    expect(check('data-load-job', { job_id: 'j', job_type: 'csv_universe_load', csv_file: '../../etc' })).toBe(false);
    expect(check('data-load-job', { job_id: 'j', job_type: 'csv_universe_load', years: 51, symbols: ['A'] })).toBe(false);
    expect(check('data-load-job', { job_id: 'j', job_type: 'rm_rf', symbols: ['A'] })).toBe(false);
    const pattern = JSON.parse(CONFORMANCE.find((e) => e.name === 'pattern-event')?.examples['pattern.detected'] as string);
    expect(check('pattern-event', { ...pattern, data: { ...pattern.data, pattern_name: 'Doji' } })).toBe(false);
    const status = JSON.parse(CONFORMANCE.find((e) => e.name === 'job-status')?.examples['status.running'] as string);
    expect(check('job-status', { ...status, progress: 101 })).toBe(false);
  });
});
