/**
 * What the proof of every row costs. A fresh load (every row inserted) and a revision (every row updated) pay
 * nothing. A small batch's one statement also counts, in the same statement and only when it wrote fewer rows than it
 * sent, the rows it found already stored as sent; a read-back statement after it runs only when those do not add up
 * (a trigger dropped rows). A staged batch that wrote fewer rows than it sent reads them back once, inside its own
 * transaction. Counted from the statements a real PostgreSQL 15 connection pool sent (the store is given the pool;
 * nothing is mocked), and from the server's own plan.
 */
import { createTestDatabase, type TestDatabase } from '@tickstock/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stageStatements } from '../src/bars/upsert-sql.js';
import { isStoreError, type OhlcvStore, openStore } from '../src/index.js';
import { dayBar, weekdays } from './support/bars.js';

const READ_BACK = 'SELECT count(*)::int AS present';

describe('the cost of proving every row', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let store: OhlcvStore;
  const sent: string[] = [];
  beforeAll(async () => {
    db = await createTestDatabase('proof');
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    pool.on('error', () => {});
    // Every statement any pooled client sends, as text (with preparedStatements off, each one carries its text).
    pool.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        const first = args[0] as string | { text?: string };
        sent.push(typeof first === 'string' ? first : (first?.text ?? ''));
        return query(...args);
      };
    });
    store = await openStore({ pool, env: {}, preparedStatements: false });
    await pool.query(`CREATE FUNCTION drop_mondays() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF extract(isodow FROM NEW.date) = 1 THEN RETURN NULL; END IF; RETURN NEW; END $$`);
  });
  afterAll(async () => {
    await store?.close();
    await pool?.end();
    await db?.drop();
  });

  /** The statements sent while `fn` ran. */
  async function statements(fn: () => Promise<unknown>): Promise<string[]> {
    sent.length = 0;
    await fn().catch((e: unknown) => {
      if (!isStoreError(e, 'ROWS_NOT_STORED')) throw e;
    });
    return [...sent];
  }
  const readBacks = (sqls: string[]) => sqls.filter((sql) => sql.startsWith(READ_BACK)).length;

  const days = weekdays('2024-01-02', 250);
  const bars = days.map((d, i) => dayBar(d, 100 + i / 4));
  const revised = bars.map((bar) => ({ ...bar, close: bar.close + 0.25, high: bar.high + 0.25 }));
  const options = { batchSize: 100 };

  it('one-statement batches: a fresh load, a revision and an identical re-upsert send one statement per batch and nothing more', async () => {
    await store.registerSymbol({ symbol: 'ONE' });
    for (const [input, counts] of [
      [bars, { inserted: 250, updated: 0, unchanged: 0 }],
      [revised, { inserted: 0, updated: 250, unchanged: 0 }],
      [revised, { inserted: 0, updated: 0, unchanged: 250 }],
    ] as const) {
      let report: unknown;
      const sqls = await statements(async () => {
        report = await store.upsertBars('daily', 'ONE', input, options);
      });
      expect(sqls.length).toBe(3);
      expect(readBacks(sqls)).toBe(0);
      expect(report).toMatchObject({ ...counts, missing: 0, batches: 3 });
    }
  });

  it('one-statement batches a trigger cut short are read back after the write: one more statement per short batch', async () => {
    await store.registerSymbol({ symbol: 'SHORT' });
    await pool.query('CREATE TRIGGER drop_mondays BEFORE INSERT ON ohlcv_daily FOR EACH ROW EXECUTE FUNCTION drop_mondays()');
    try {
      const sqls = await statements(() => store.upsertBars('daily', 'SHORT', bars, options));
      expect(sqls.length).toBe(6);
      expect(readBacks(sqls)).toBe(3);
    } finally {
      await pool.query('DROP TRIGGER drop_mondays ON ohlcv_daily');
    }
  });

  it('a staged batch: a fresh load reads nothing back; an identical re-upsert reads back once, inside its transaction', async () => {
    // A store that has not seen the symbol registers it in the batch, so the batch takes the staged path.
    const staged = async () => {
      const other = await openStore({ pool, env: {}, preparedStatements: false, migrate: false });
      try {
        return await statements(() => other.upsertBars('daily', 'STAGED', bars));
      } finally {
        await other.close();
      }
    };
    const fresh = await staged();
    expect(fresh.some((sql) => sql.startsWith('COPY'))).toBe(true);
    expect(readBacks(fresh)).toBe(0);
    const again = await staged();
    expect(readBacks(again)).toBe(1);
    const at = (prefix: string) => again.findIndex((sql) => sql.startsWith(prefix));
    expect(at('BEGIN')).toBeLessThan(at('INSERT INTO "ohlcv_daily"'));
    expect(at(READ_BACK)).toBeGreaterThan(at('INSERT INTO "ohlcv_daily"'));
    expect(at('COMMIT')).toBeGreaterThan(at(READ_BACK));
  });

  it('the one-statement upsert never runs its count of identical rows when it wrote every row (the server says so)', async () => {
    const sql = stageStatements(store.schema.bars.daily as NonNullable<typeof store.schema.bars.daily>).upsertArrays;
    const params = ['{PLAN,PLAN}', '{2024-01-02,2024-01-03}', '{1,1}', '{2,2}', '{1,1}', '{1,1}', '{5,5}', '{NULL,NULL}', '{NULL,NULL}', 2];
    await store.registerSymbol({ symbol: 'PLAN' });
    const plan = async () =>
      (await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ${sql}`, params)).rows
        .map((r) => r['QUERY PLAN'])
        .join('\n');
    // The count is an InitPlan, evaluated on first use: never, when the CASE finds every row written.
    expect(await plan()).toMatch(/InitPlan \d+ \(returns \$\d+\)\n\s+->\s+Aggregate \(never executed\)/);
    // Run again, nothing is written: now it runs.
    expect(await plan()).toMatch(/InitPlan \d+ \(returns \$\d+\)\n\s+->\s+Aggregate \(actual rows=1 loops=1\)/);
  });
});
