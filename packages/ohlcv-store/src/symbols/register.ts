/**
 * `symbols` upserts. Every detail column is written as `COALESCE(EXCLUDED.x, symbols.x)`, so a value missing from
 * this call never erases one stored earlier. Only columns that exist in this install are written.
 */

import type { CivilDate } from '@tickstock/market-time';
import { isValidSymbol } from '../bars/validate.js';
import type { Queryable } from '../drivers/driver.js';
import { StoreError } from '../errors.js';
import type { SymbolsTableSchema } from '../schema/discover.js';
import { ident, identList } from '../sql.js';

/** What is known about a ticker. Every field but `symbol` is optional; null and undefined both mean "unknown". */
export interface SymbolMeta {
  symbol: string;
  name?: string | null;
  /** Primary exchange (Massive's `primary_exchange`). */
  exchange?: string | null;
  /** `stocks`, `crypto`, `fx`, `indices`, ... */
  market?: string | null;
  locale?: string | null;
  /** Massive's ticker type (`CS`, `ETF`, ...). */
  type?: string | null;
  active?: boolean | null;
  currencyName?: string | null;
  cik?: string | null;
  compositeFigi?: string | null;
  shareClassFigi?: string | null;
  sector?: string | null;
  industry?: string | null;
  sicCode?: string | null;
  sicDescription?: string | null;
  issuer?: string | null;
  underlyingIndex?: string | null;
  listDate?: CivilDate | null;
  marketCap?: number | null;
  /** e.g. `$` (Massive's `currency_symbol`, on some ticker rows). */
  currencySymbol?: string | null;
  weightedSharesOutstanding?: number | null;
  /** When Massive last updated the ticker: Unix ms or an ISO 8601 time (Massive's `last_updated_utc`). */
  lastUpdatedUtc?: number | string | null;
}

/** What a register call wrote. */
export interface RegisterSymbolsResult {
  /** Symbols inserted or updated. */
  registered: number;
  /** Fields that had values but no column in this install's `symbols` table (their values were not stored). */
  ignoredFields: string[];
}

const FIELD_COLUMNS: readonly (readonly [Exclude<keyof SymbolMeta, 'symbol'>, string])[] = [
  ['name', 'name'],
  ['exchange', 'exchange'],
  ['market', 'market'],
  ['locale', 'locale'],
  ['type', 'type'],
  ['active', 'active'],
  ['currencyName', 'currency_name'],
  ['cik', 'cik'],
  ['compositeFigi', 'composite_figi'],
  ['shareClassFigi', 'share_class_figi'],
  ['sector', 'sector'],
  ['industry', 'industry'],
  ['sicCode', 'sic_code'],
  ['sicDescription', 'sic_description'],
  ['issuer', 'issuer'],
  ['underlyingIndex', 'underlying_index'],
  ['listDate', 'list_date'],
  ['marketCap', 'market_cap'],
  ['currencySymbol', 'currency_symbol'],
  ['weightedSharesOutstanding', 'weighted_shares_outstanding'],
  ['lastUpdatedUtc', 'last_updated_utc'],
];

const INTEGER_TYPES = new Set(['bigint', 'integer', 'smallint']);

/** `last_updated_utc` as an ISO instant PostgreSQL reads in any session time zone; throws on an unparsable value. */
function isoInstant(symbol: string, v: number | string): string {
  const ms = typeof v === 'number' ? v : Date.parse(v);
  if (!Number.isFinite(ms)) {
    throw new StoreError('INVALID_ARGUMENT', `lastUpdatedUtc of ${symbol} is not a time: ${JSON.stringify(v)}`, {
      table: 'symbols',
      column: 'last_updated_utc',
    });
  }
  return new Date(ms).toISOString();
}

/** A detail value as this install's column takes it: whole numbers for integer columns, text cut to a VARCHAR's length. */
function columnValue(schema: SymbolsTableSchema, column: string, v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' && INTEGER_TYPES.has(schema.types?.[column] ?? '')) return Math.round(v);
  const max = schema.maxLengths?.[column];
  if (typeof v === 'string' && max !== undefined && v.length > max) return [...v].slice(0, max).join('');
  return v;
}

const ROWS_PER_STATEMENT = 1000;

interface RegisterStatements {
  /** The detail fields this install stores, in parameter order after the symbol. */
  fields: readonly (readonly [Exclude<keyof SymbolMeta, 'symbol'>, string])[];
  present: ReadonlySet<string>;
  /** The upsert of `rows` symbols (texts cached by row count). */
  sql(rows: number): string;
}

/** Statements per discovered `symbols` schema, built once. */
const statementsBySchema = new WeakMap<SymbolsTableSchema, RegisterStatements>();

function registerStatements(schema: SymbolsTableSchema): RegisterStatements {
  const cached = statementsBySchema.get(schema);
  if (cached) return cached;
  const present = new Set(schema.columns);
  const fields = FIELD_COLUMNS.filter(([, col]) => present.has(col));
  const cols = ['symbol', ...fields.map(([, c]) => c)];
  const sets = fields.map(([, c]) => `${ident(c)} = COALESCE(EXCLUDED.${ident(c)}, symbols.${ident(c)})`);
  const stamp = present.has('last_updated');
  if (stamp) sets.push('last_updated = now()');
  const conflict = sets.length > 0 ? `DO UPDATE SET ${sets.join(', ')}` : 'DO NOTHING';
  const texts = new Map<number, string>();
  const sql = (rows: number): string => {
    let text = texts.get(rows);
    if (!text) {
      const values: string[] = [];
      for (let r = 0; r < rows; r++) {
        const placeholders = cols.map((_, c) => `$${r * cols.length + c + 1}`);
        values.push(`(${placeholders.join(', ')}${stamp ? ', now()' : ''})`);
      }
      text = `INSERT INTO symbols (${identList(cols)}${stamp ? ', last_updated' : ''}) VALUES ${values.join(', ')} ON CONFLICT (symbol) ${conflict}`;
      // Only the common sizes are kept (one row, a full chunk); a one-off remainder is rebuilt when it recurs.
      if (rows === 1 || rows === ROWS_PER_STATEMENT) texts.set(rows, text);
    }
    return text;
  };
  const statements = { fields, present, sql };
  statementsBySchema.set(schema, statements);
  return statements;
}

/** Upserts symbols; metas for the same symbol in one call are merged (later known values win). */
export async function registerSymbols(
  db: Queryable,
  schema: SymbolsTableSchema,
  metas: readonly SymbolMeta[],
): Promise<RegisterSymbolsResult> {
  const merged = new Map<string, SymbolMeta>();
  for (const [i, meta] of metas.entries()) {
    if (!isValidSymbol(meta?.symbol, schema.symbolMaxLength)) {
      throw new StoreError(
        'INVALID_SYMBOL',
        `symbol at position ${i} is not storable: ${JSON.stringify(meta?.symbol)} (non-empty, no whitespace or control characters${schema.symbolMaxLength === null ? '' : `, at most ${schema.symbolMaxLength} characters`})`,
        { table: 'symbols', column: 'symbol' },
      );
    }
    const prev = merged.get(meta.symbol);
    const next: SymbolMeta = { ...prev, symbol: meta.symbol };
    for (const [field] of FIELD_COLUMNS) {
      const v = meta[field];
      if (v !== undefined && v !== null)
        Object.assign(next, { [field]: field === 'lastUpdatedUtc' ? isoInstant(meta.symbol, v as number | string) : v });
    }
    merged.set(meta.symbol, next);
  }
  const { fields, present, sql } = registerStatements(schema);
  const ignored = new Set<string>();
  for (const meta of merged.values()) {
    for (const [field, col] of FIELD_COLUMNS) if (!present.has(col) && meta[field] != null) ignored.add(field);
  }
  const all = [...merged.values()];
  for (let i = 0; i < all.length; i += ROWS_PER_STATEMENT) {
    const chunk = all.slice(i, i + ROWS_PER_STATEMENT);
    const params: unknown[] = [];
    for (const meta of chunk) {
      params.push(meta.symbol);
      for (const [f, col] of fields) params.push(columnValue(schema, col, meta[f]));
    }
    // One-row statements (a worker registers each symbol as it loads it) are prepared once per connection.
    await db.query(sql(chunk.length), params, { prepare: chunk.length === 1 });
  }
  return { registered: merged.size, ignoredFields: [...ignored].sort() };
}

/** Reads one symbols row (every column, as stored; DATE as `YYYY-MM-DD`, timestamps as Unix ms), or null. */
export async function readSymbol(db: Queryable, symbol: string): Promise<Record<string, unknown> | null> {
  const { rows } = await db.query<Record<string, unknown>>('SELECT * FROM symbols WHERE symbol = $1', [symbol]);
  return rows[0] ?? null;
}
