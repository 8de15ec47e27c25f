/** Reading and pinning the bar tables of a test database, for row-for-row comparisons between loads. */
import pg from 'pg';

/** The hour, day, week and month tables and their key columns. */
export const BAR_TABLES = {
  ohlcv_hourly: 'timestamp',
  ohlcv_daily: 'date',
  ohlcv_weekly: 'week_start',
  ohlcv_monthly: 'month_start',
} as const;

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** The rows of one query against the database at `url` (its own connection, closed after). */
export function queryRows<T extends Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  return withClient(url, async (c) => (await c.query<T>(sql, params)).rows);
}

/** Every row of every bar table but the write times, in key order, NUMERIC as text (exact). */
export function allBarRows(url: string): Promise<Record<string, Record<string, unknown>[]>> {
  return withClient(url, async (c) => {
    const out: Record<string, Record<string, unknown>[]> = {};
    for (const [table, key] of Object.entries(BAR_TABLES)) {
      const { rows } = await c.query(
        `SELECT symbol, ${key}::text AS key, open::text, high::text, low::text, close::text, volume::text, vwap::text, transactions::text
           FROM ${table} ORDER BY symbol, ${key}`,
      );
      out[table] = rows;
    }
    return out;
  });
}

/** Sets every bar's write time to `ms` (the database's clock is real time; the simulator's may be another day). */
export function pinWriteTimes(url: string, ms: number): Promise<void> {
  return withClient(url, async (c) => {
    for (const table of Object.keys(BAR_TABLES)) await c.query(`UPDATE ${table} SET updated_at = to_timestamp($1::float8 / 1000)`, [ms]);
  });
}
