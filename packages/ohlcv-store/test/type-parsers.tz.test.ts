/**
 * DATE and TIMESTAMPTZ values come back as `YYYY-MM-DD` text and Unix ms on both drivers, whatever the machine's
 * time zone (node-postgres would otherwise build local-midnight Dates for DATE values).
 */
import { createTestDatabase } from '@tickstock/test-support';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createPgDriver } from '../src/drivers/pg-driver.js';
import { createPgliteDriver } from '../src/drivers/pglite-driver.js';
import { parseTimestampMs } from '../src/drivers/type-parsers.js';
import { freshPgliteDir } from './support/pglite-dir.js';

const SQL = `SELECT '2024-03-10'::date AS d, '2024-03-10 01:30:00.123-05'::timestamptz AS tz, '2024-11-03 01:30:00'::timestamp AS ts`;
const EXPECTED = { d: '2024-03-10', tz: Date.UTC(2024, 2, 10, 6, 30, 0, 123), ts: Date.UTC(2024, 10, 3, 1, 30) };

describe('type parsers', () => {
  it('parse PostgreSQL ISO timestamps with any offset to Unix ms', () => {
    expect(parseTimestampMs('2024-03-10 05:00:00+00')).toBe(Date.UTC(2024, 2, 10, 5));
    expect(parseTimestampMs('2024-03-09 21:00:00-08')).toBe(Date.UTC(2024, 2, 10, 5));
    expect(parseTimestampMs('2024-03-10 10:30:00.5+05:30')).toBe(Date.UTC(2024, 2, 10, 5, 0, 0, 500));
    expect(parseTimestampMs('1883-11-18 12:00:00-04:56:02')).toBe(Date.UTC(1883, 10, 18, 16, 56, 2));
    expect(parseTimestampMs('2024-03-10 05:00:00')).toBe(Date.UTC(2024, 2, 10, 5));
    const idesOfMarch = new Date(Date.UTC(2000, 2, 15));
    idesOfMarch.setUTCFullYear(-43); // 44 BC is astronomical year -43
    expect(parseTimestampMs('0044-03-15 00:00:00+00 BC')).toBe(idesOfMarch.getTime());
    expect(parseTimestampMs('infinity')).toBe(Number.POSITIVE_INFINITY);
  });

  it('node-postgres driver: DATE as text, timestamps as ms, per query (the global parsers are untouched)', async () => {
    const db = await createTestDatabase('types');
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      const driver = createPgDriver({ pool, owned: false, target: 'test' });
      expect((await driver.query(SQL)).rows).toEqual([EXPECTED]);
      const plain = await pool.query(`SELECT '2024-03-10'::date AS d`);
      expect(plain.rows[0].d).toBeInstanceOf(Date);
    } finally {
      await pool.end();
      await db.drop();
    }
  });

  it('PGlite driver: DATE as text, timestamps as ms', { timeout: 120_000 }, async () => {
    const { dataDir, remove } = await freshPgliteDir();
    const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create({ dataDir });
    try {
      const driver = createPgliteDriver({ db, owned: true, target: 'test' });
      expect((await driver.query(SQL)).rows).toEqual([EXPECTED]);
      await driver.close();
    } finally {
      await remove();
    }
  });
});
