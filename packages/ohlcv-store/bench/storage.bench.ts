/**
 * Storage benchmark: 1,000,000 one-minute bars upserted through the store, versus a plain COPY of the same rows into
 * the same table, versus the seed documents' approach (single-row INSERT ... ON CONFLICT sent in pages of 100, as
 * psycopg2's execute_batch does; scaled down to 50,000 rows). Same run, alternating order, a few repetitions; every
 * measurement starts from an empty table. Bars are generated lazily so memory stays bounded.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { type BenchContext, type BenchMetric, peakRssMb, summarize } from '../../../bench/types.js';
import { openStore, type SymbolBar } from '../src/index.js';

const ROWS = Number(process.env.STORAGE_BENCH_ROWS ?? 1_000_000);
const SINGLE_ROW_ROWS = Number(process.env.STORAGE_BENCH_SINGLE_ROWS ?? 50_000);
const REPS = Number(process.env.STORAGE_BENCH_REPS ?? 3);
const BATCH_SIZE = process.env.STORAGE_BENCH_BATCH ? Number(process.env.STORAGE_BENCH_BATCH) : undefined; // default: the store's
const SYMBOLS = 50;
const START = Date.UTC(2024, 0, 2, 14, 30);

/** Deterministic bar `i`: symbol-major, one-minute steps, prices with up to 4 decimals. */
function barAt(i: number, perSymbol: number): SymbolBar {
  const s = Math.floor(i / perSymbol);
  const k = i % perSymbol;
  const base = 100 + s + ((k * 7919) % 1000) / 100;
  return {
    symbol: `SYM${s}`,
    timestamp: START + k * 60_000,
    open: base,
    high: Math.round((base + 0.75) * 10_000) / 10_000,
    low: Math.round((base - 0.5) * 10_000) / 10_000,
    close: Math.round((base + 0.1234) * 10_000) / 10_000,
    volume: 1000 + (k % 5000),
    vwap: Math.round((base + 0.05) * 10_000) / 10_000,
    transactions: 10 + (k % 90),
  };
}

function* bars(n: number): Generator<SymbolBar> {
  const perSymbol = Math.ceil(n / SYMBOLS);
  for (let i = 0; i < n; i++) yield barAt(i, perSymbol);
}

/** Plain COPY text of the rows, straight into ohlcv_1min, in chunks of 2,000 lines. */
function* copyText(n: number): Generator<string> {
  let chunk = '';
  let lines = 0;
  for (const b of bars(n)) {
    chunk += `${b.symbol}\t${new Date(b.timestamp).toISOString()}\t${b.open}\t${b.high}\t${b.low}\t${b.close}\t${b.volume}\t${b.vwap}\t${b.transactions}\n`;
    if (++lines === 2000) {
      yield chunk;
      chunk = '';
      lines = 0;
    }
  }
  if (chunk) yield chunk;
}

function lit(b: SymbolBar): string {
  return `('${b.symbol}', '${new Date(b.timestamp).toISOString()}', ${b.open}, ${b.high}, ${b.low}, ${b.close}, ${b.volume}, ${b.vwap}, ${b.transactions})`;
}

const SINGLE_INSERT = 'INSERT INTO ohlcv_1min (symbol, "timestamp", open, high, low, close, volume, vwap, transactions) VALUES ';
const SINGLE_CONFLICT =
  ' ON CONFLICT (symbol, "timestamp") DO UPDATE SET open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close, volume = EXCLUDED.volume, vwap = EXCLUDED.vwap, transactions = EXCLUDED.transactions';

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** CPU seconds (user + system) a server backend has used, from /proc when the server runs on this machine, else null. */
function backendCpu(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

/**
 * Runs `fn`; returns its wall seconds and the CPU seconds it cost (this process plus the server backends `pids()`
 * names). The machine is shared, so wall-clock rates swing with other load; rows per CPU second show each approach's
 * own cost. `cpu` is null when the backends' /proc entries are not readable (a remote server).
 */
async function measured(fn: () => Promise<unknown>, pids: () => Promise<number[]>): Promise<{ wall: number; cpu: number | null }> {
  const before = new Map((await pids()).map((p) => [p, backendCpu(p)]));
  const own0 = process.cpuUsage();
  const wall = await timed(fn);
  const own = process.cpuUsage(own0);
  let cpu: number | null = (own.user + own.system) / 1e6;
  for (const p of await pids()) {
    const now = backendCpu(p);
    if (now === null || cpu === null) {
      cpu = null;
      break;
    }
    cpu += now - (before.get(p) ?? 0);
  }
  return { wall, cpu };
}

export default async function storageBench(ctx: BenchContext): Promise<BenchMetric[]> {
  const dbName = `bench_storage_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ctx.databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(ctx.databaseUrl);
  url.pathname = `/${dbName}`;
  const client = new pg.Client({ connectionString: url.toString() });
  const store = await openStore({
    databaseUrl: url.toString(),
    env: {},
    timeframes: ['1min'],
    ...(BATCH_SIZE ? { batchSize: BATCH_SIZE } : {}),
  });
  try {
    await client.connect();
    ctx.log(`peak RSS after open: ${Math.round(peakRssMb())} MB`);
    await store.registerSymbols(Array.from({ length: SYMBOLS }, (_, s) => ({ symbol: `SYM${s}` })));
    const storeRate: number[] = [];
    const copyRate: number[] = [];
    const singleRate: number[] = [];
    const unchangedRate: number[] = [];
    const storeCpuRate: number[] = [];
    const copyCpuRate: number[] = [];
    const singleCpuRate: number[] = [];
    const clientPid = Number((await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
    const clientPids = async () => [clientPid];
    const storePids = async () =>
      (
        await client.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'tickstock-ohlcv-store'`, [dbName])
      ).rows.map((r) => Number(r.pid));
    const startRss = peakRssMb();
    const runStore = async () => {
      await client.query('TRUNCATE ohlcv_1min');
      const { wall: s, cpu } = await measured(async () => {
        const r = await store.upsertManyBars('1min', bars(ROWS));
        if (r.inserted !== ROWS) throw new Error(`store inserted ${r.inserted} of ${ROWS}`);
      }, storePids);
      storeRate.push(ROWS / s);
      if (cpu !== null) storeCpuRate.push(ROWS / cpu);
      const u = await timed(async () => {
        const r = await store.upsertManyBars('1min', bars(ROWS));
        if (r.unchanged !== ROWS) throw new Error(`store re-upsert left ${r.unchanged} of ${ROWS} unchanged`);
      });
      unchangedRate.push(ROWS / u);
      ctx.log(
        `store: ${Math.round(ROWS / s).toLocaleString('en-US')} rows/s (re-upsert unchanged: ${Math.round(ROWS / u).toLocaleString('en-US')} rows/s); peak RSS ${Math.round(peakRssMb())} MB`,
      );
    };
    const runCopy = async () => {
      await client.query('TRUNCATE ohlcv_1min');
      const { wall: s, cpu } = await measured(async () => {
        const stream = client.query(
          copyFrom('COPY ohlcv_1min (symbol, "timestamp", open, high, low, close, volume, vwap, transactions) FROM STDIN'),
        );
        await pipeline(Readable.from(copyText(ROWS), { objectMode: false }), stream);
      }, clientPids);
      copyRate.push(ROWS / s);
      if (cpu !== null) copyCpuRate.push(ROWS / cpu);
      ctx.log(`plain COPY: ${Math.round(ROWS / s).toLocaleString('en-US')} rows/s; peak RSS ${Math.round(peakRssMb())} MB`);
    };
    const runSingle = async () => {
      await client.query('TRUNCATE ohlcv_1min');
      const { wall: s, cpu } = await measured(async () => {
        let page: string[] = [];
        for (const b of bars(SINGLE_ROW_ROWS)) {
          page.push(SINGLE_INSERT + lit(b) + SINGLE_CONFLICT);
          if (page.length === 100) {
            await client.query(page.join(';\n'));
            page = [];
          }
        }
        if (page.length) await client.query(page.join(';\n'));
      }, clientPids);
      singleRate.push(SINGLE_ROW_ROWS / s);
      if (cpu !== null) singleCpuRate.push(SINGLE_ROW_ROWS / cpu);
      ctx.log(
        `single-row INSERT (pages of 100): ${Math.round(SINGLE_ROW_ROWS / s).toLocaleString('en-US')} rows/s; peak RSS ${Math.round(peakRssMb())} MB`,
      );
    };
    for (let rep = 0; rep < REPS; rep++) {
      const order = rep % 2 === 0 ? [runStore, runCopy, runSingle] : [runCopy, runSingle, runStore];
      for (const step of order) await step();
    }
    // Paired ratios (same repetition, adjacent in time) are steadier than ratios of medians on a shared machine.
    const vsCopy = summarize(storeRate.map((x, i) => x / (copyRate[i] as number)));
    const vsSingle = summarize(storeRate.map((x, i) => x / (singleRate[i] as number)));
    ctx.log(`store/copy per repetition: ${storeRate.map((x, i) => (x / (copyRate[i] as number)).toFixed(2)).join(', ')}`);
    ctx.log(`store/single-row per repetition: ${storeRate.map((x, i) => (x / (singleRate[i] as number)).toFixed(2)).join(', ')}`);
    const st = summarize(storeRate);
    const cp = summarize(copyRate);
    const sr = summarize(singleRate);
    const un = summarize(unchangedRate);
    ctx.log(
      `store ${Math.round(st.median)} (spread ${Math.round(st.spread)}), copy ${Math.round(cp.median)} (spread ${Math.round(cp.spread)}), single ${Math.round(sr.median)} (spread ${Math.round(sr.spread)})`,
    );
    return [
      { name: 'storage.store_upsert_rows_per_s', value: st.median, unit: 'rows/s' },
      { name: 'storage.plain_copy_rows_per_s', value: cp.median, unit: 'rows/s' },
      { name: 'storage.single_row_insert_rows_per_s', value: sr.median, unit: 'rows/s' },
      { name: 'storage.store_reupsert_unchanged_rows_per_s', value: un.median, unit: 'rows/s' },
      { name: 'storage.store_vs_copy', value: vsCopy.median, unit: 'ratio' },
      { name: 'storage.store_vs_single_row', value: vsSingle.median, unit: 'ratio' },
      ...(storeCpuRate.length === REPS && copyCpuRate.length === REPS && singleCpuRate.length === REPS
        ? [
            { name: 'storage.store_rows_per_cpu_s', value: summarize(storeCpuRate).median, unit: 'rows/CPU s' },
            { name: 'storage.plain_copy_rows_per_cpu_s', value: summarize(copyCpuRate).median, unit: 'rows/CPU s' },
            { name: 'storage.single_row_rows_per_cpu_s', value: summarize(singleCpuRate).median, unit: 'rows/CPU s' },
            { name: 'storage.store_vs_copy_cpu', value: summarize(storeCpuRate).median / summarize(copyCpuRate).median, unit: 'ratio' },
            {
              name: 'storage.store_vs_single_row_cpu',
              value: summarize(storeCpuRate).median / summarize(singleCpuRate).median,
              unit: 'ratio',
            },
          ]
        : []),
      { name: 'storage.peak_rss', value: peakRssMb(), unit: 'MB' },
      { name: 'storage.peak_rss_before_runs', value: startRss, unit: 'MB' },
    ];
  } finally {
    await store.close();
    await client.end().catch(() => {});
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
    await admin.end();
  }
}
