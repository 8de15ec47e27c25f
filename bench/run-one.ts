/** Runs one bench file in this process and sends its metrics to the parent (bench/run.ts). */
import { pathToFileURL } from 'node:url';
import type { BenchContext, BenchFn } from './types.js';

const file = process.argv[2];
if (!file) throw new Error('usage: run-one.ts <bench file>');
const mod = (await import(pathToFileURL(file).href)) as { default: BenchFn };
const ctx: BenchContext = {
  databaseUrl: process.env.DATABASE_URL as string,
  redisUrl: process.env.REDIS_URL as string,
  log: (line) => console.log(`  ${line}`),
};
const metrics = await mod.default(ctx);
process.send?.(metrics);
process.exit(0);
