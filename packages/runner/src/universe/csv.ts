/**
 * Reads symbols from a universe CSV file (header `symbol` or `Symbol`). A file name from a job message is only
 * ever read from inside the configured universe directory: anything that resolves outside it is refused.
 */
import { readFile, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { parse } from 'csv-parse/sync';
import { RunnerError } from '../errors.js';

const MAX_CSV_BYTES = 5 * 1024 * 1024;

/** Resolves `name` inside `dir`, refusing absolute paths, `..` escapes and symlinks that lead outside. */
export async function resolveInside(dir: string, name: string): Promise<string> {
  if (!name || name.includes('\0') || isAbsolute(name)) {
    throw new RunnerError('UNIVERSE_INVALID', `CSV file name ${JSON.stringify(name)} must be a plain name inside the universe directory`);
  }
  const root = await realpath(dir).catch(() => {
    throw new RunnerError('UNIVERSE_NOT_FOUND', `universe directory ${dir} does not exist`);
  });
  const candidate = resolve(root, name);
  const rel = relative(root, candidate);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) {
    throw new RunnerError('UNIVERSE_INVALID', `CSV file ${JSON.stringify(name)} is outside the universe directory; refused`);
  }
  const real = await realpath(candidate).catch(() => {
    throw new RunnerError('UNIVERSE_NOT_FOUND', `CSV file ${JSON.stringify(name)} not found in the universe directory`);
  });
  const realRel = relative(root, real);
  if (realRel.startsWith(`..${sep}`) || isAbsolute(realRel)) {
    throw new RunnerError('UNIVERSE_INVALID', `CSV file ${JSON.stringify(name)} links outside the universe directory; refused`);
  }
  return real;
}

/** Parses CSV text and returns the `symbol`/`Symbol` column, trimmed, upper-cased, de-duplicated, in file order. */
export function symbolsFromCsv(text: string, label: string): string[] {
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true, relax_column_count: true }) as Record<
      string,
      string
    >[];
  } catch (e) {
    throw new RunnerError('UNIVERSE_INVALID', `${label} is not valid CSV: ${(e as Error).message}`);
  }
  const first = rows[0];
  const column = first ? Object.keys(first).find((k) => k === 'symbol' || k === 'Symbol') : undefined;
  if (!column) throw new RunnerError('UNIVERSE_INVALID', `${label} has no "symbol" or "Symbol" column`);
  const seen = new Set<string>();
  for (const row of rows) {
    const s = (row[column] ?? '').trim().toUpperCase();
    if (s) seen.add(s);
  }
  if (seen.size === 0) throw new RunnerError('UNIVERSE_INVALID', `${label} lists no symbols`);
  return [...seen];
}

/** Reads a CSV universe file by name from inside `dir`. */
export async function readUniverseCsv(dir: string, name: string): Promise<string[]> {
  const path = await resolveInside(dir, name);
  const text = await readFile(path, 'utf8');
  if (text.length > MAX_CSV_BYTES) throw new RunnerError('UNIVERSE_INVALID', `CSV file ${JSON.stringify(name)} is larger than 5 MB`);
  return symbolsFromCsv(text, `CSV file ${JSON.stringify(name)}`);
}
