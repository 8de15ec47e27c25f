/**
 * SQL is parameterised everywhere: no statement in packages/*\/src has a value spliced into its text. Identifiers
 * go through `ident()`/`identList()`, values through `$n` parameters; see ./sql-audit.ts for what counts as safe.
 * The audit is checked against bad snippets too, so it cannot pass by seeing nothing.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AllowedInterpolation, auditSnippet, auditSql, createAuditProgram, type SqlAudit, sourceFiles } from './sql-audit.js';

const root = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');

/** Reviewed exceptions: spliced text that is not a value. */
const ALLOW: AllowedInterpolation[] = [
  {
    file: 'packages/ohlcv-store/src/bars/upsert-sql.ts',
    expression: 'schema.valueTypes[column]',
    reason:
      'the SQL type of a value column as PostgreSQL reports it (discoverSchema: a built-in type name from a fixed set, or ' +
      'numeric(p,s) from its integer precision and scale), used in CAST(... AS type): catalog metadata, not a value',
  },
  {
    file: 'packages/ohlcv-store/src/schema/grants.ts',
    expression: '[...barTables(TIMEFRAMES), ...STORE_TABLES].map(q)',
    reason:
      "the store's own table names (constant lists), each quoted by ident() (schema-qualified by ident() too) in q, " +
      'joined for one GRANT statement that grantsSql prints: identifiers, not values',
  },
];

describe('the SQL of packages/*/src', () => {
  let audit: SqlAudit;
  let unfiltered: SqlAudit;
  beforeAll(() => {
    const files = readdirSync(join(root, 'packages')).flatMap((p) => sourceFiles(join(root, 'packages', p, 'src')));
    const program = createAuditProgram(root, files);
    audit = auditSql(program, root, files, { allow: ALLOW });
    unfiltered = auditSql(program, root, files);
  }, 120_000);

  it('splices no value into any statement: every interpolation is an identifier helper, a $n placeholder or a constant', () => {
    expect(audit.findings).toEqual([]);
  });

  it('looked at the statements that build SQL from parts (bulk upsert, reads, stats, DDL, COPY, symbols)', () => {
    const files = new Set(audit.statements.map((s) => s.slice(0, s.lastIndexOf(':'))));
    for (const f of [
      'packages/ohlcv-store/src/bars/upsert-sql.ts',
      'packages/ohlcv-store/src/bars/read.ts',
      'packages/ohlcv-store/src/stats/symbol-stats.ts',
      'packages/ohlcv-store/src/schema/ddl.ts',
      'packages/ohlcv-store/src/drivers/pg-driver.ts',
      'packages/ohlcv-store/src/symbols/register.ts',
      'packages/ohlcv-store/src/progress/runs.ts',
    ]) {
      expect(files).toContain(f);
    }
    expect(audit.statements.length).toBeGreaterThanOrEqual(15);
  });

  it('has no stale exception: without the allow-list it reports exactly the allowed expressions', () => {
    expect(unfiltered.findings.map((f) => [f.file, f.expression])).toEqual(ALLOW.map((a) => [a.file, a.expression]));
  });
});

/** A module with the helpers the store has, plus `body` (whose first line after the opening newline is line 1). */
const snippet = (body: string) => `
interface Db { query(sql: string, params?: unknown[]): Promise<unknown> }
declare const db: Db;
function ident(name: string): string { return '"' + name.replace(/"/g, '""') + '"'; }
function identList(names: readonly string[]): string { return names.map(ident).join(', '); }
${body}
`;

const findings = (body: string) => auditSnippet(root, 'snippet.ts', snippet(body)).findings.map((f) => [f.line - 6, f.expression]);

describe('the audit itself', () => {
  it('accepts identifiers through the helpers, $n placeholders, literal-typed constants and fragments built from them', () => {
    const good = `
type Tf = 'date' | 'timestamptz';
export async function read(table: string, symbol: string, timeType: Tf, from?: number, limit?: number) {
  const params: unknown[] = [symbol];
  const where = ['symbol = $1'];
  const t = ident('time');
  const cast = (p: string) => (timeType === 'date' ? \`\${p}::date\` : \`'epoch'::\${timeType} + \${p}::bigint * INTERVAL '1 ms'\`);
  if (from !== undefined) {
    params.push(from);
    where.push(\`\${t} >= \${cast(\`$\${params.length}\`)}\`);
  }
  let tail = '';
  if (limit !== undefined) {
    params.push(limit);
    tail = \` LIMIT $\${params.length}\`;
  }
  const cols = ['open', 'close'].map((c) => \`\${ident(c)} = EXCLUDED.\${ident(c)}\`);
  const placeholders = Array.from({ length: 3 }, (_, i) => \`($\${i + 1})\`).join(', ');
  await db.query(\`SELECT \${identList(['a', 'b'])} FROM \${ident(table)} WHERE \${where.join(' AND ')} ORDER BY \${t}\${tail}\`, params);
  await db.query(\`INSERT INTO s (symbol) VALUES \${placeholders} ON CONFLICT (symbol) DO UPDATE SET \${cols.join(', ')}\`, [1, 2, 3]);
}`;
    expect(findings(good)).toEqual([]);
  });

  it('reports a caller’s value spliced into a statement, however it gets there', () => {
    const bad = `
export async function bad(symbol: string, limit: number, day: string, ids: string[]) {
  await db.query(\`SELECT * FROM bars WHERE symbol = '\${symbol}'\`);
  await db.query(\`SELECT * FROM bars LIMIT \${limit}\`);
  await db.query('DELETE FROM bars WHERE day = ' + day);
  const cond = \`day = '\${day}'\`;
  await db.query(\`SELECT 1 FROM bars WHERE \${cond}\`);
  const where = ['true'];
  where.push(\`symbol = '\${symbol}'\`);
  await db.query(\`SELECT 1 FROM bars WHERE \${where.join(' AND ')}\`);
  const eq = (col: string, v: string) => \`\${ident(col)} = '\${v}'\`;
  await db.query(\`UPDATE bars SET \${eq('symbol', symbol)}\`);
  await db.query(\`SELECT 1 FROM bars WHERE id IN (\${ids.map((i) => \`'\${i}'\`).join(', ')})\`);
  await db.query(\`SELECT 1 FROM bars WHERE symbol = $\${symbol}\`);
}`;
    // [line in the snippet, the value reported]: one per bad statement, none for the helpers or the literal 'true'.
    expect(findings(bad)).toEqual([
      [2, 'symbol'], // quoted into the text
      [3, 'limit'], // a number is a value too
      [4, 'day'], // string concatenation
      [5, 'day'], // through a const fragment
      [8, 'symbol'], // through an array pushed to and joined
      [11, 'symbol'], // through a builder function's parameter
      [12, 'ids'], // an IN list built from a caller's array
      [13, 'symbol'], // a "placeholder" that is not a number
    ]);
  });

  it('follows a builder function to every call: a value passed by any caller is reported, constants are not', () => {
    const code = `
function byColumn(col: string, value: string) {
  return \`SELECT * FROM bars WHERE \${ident(col)} = '\${value}'\`;
}
export const fixed = () => byColumn('symbol', 'AAPL');
export const fromCaller = (s: string) => byColumn('symbol', s);`;
    expect(findings(code)).toEqual([[5, 's']]);
  });
});
