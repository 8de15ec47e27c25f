/**
 * `pnpm bench`: runs every `packages/<pkg>/bench/*.bench.ts` (or the ones whose path contains an argument),
 * each in its own Node process so peak RSS is its own, prints a table and writes bench/results.json.
 *
 * A bench file default-exports `async (ctx: BenchContext) => BenchMetric[]` (types in bench/types.ts).
 * PostgreSQL and Redis come from DATABASE_URL / REDIS_URL, or are started by scripts/services.sh for the run.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BenchMetric } from './types.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const filters = process.argv.slice(2);

const files = readdirSync(`${root}packages`).flatMap((pkg) => {
  try {
    return readdirSync(`${root}packages/${pkg}/bench`)
      .filter((f) => f.endsWith('.bench.ts'))
      .map((f) => `packages/${pkg}/bench/${f}`);
  } catch {
    return [];
  }
});
// Cross-package benchmarks (end to end, rate-limit fidelity, ...) live in bench/ itself.
files.push(
  ...readdirSync(`${root}bench`)
    .filter((f) => f.endsWith('.bench.ts'))
    .map((f) => `bench/${f}`),
);
const selected = files.filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));

let servicesDir: string | undefined;
const env = { ...process.env };
if (!env.DATABASE_URL || !env.REDIS_URL) {
  const out = execFileSync('bash', [`${root}scripts/services.sh`, 'start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  for (const line of out.trim().split('\n')) {
    const i = line.indexOf('=');
    env[line.slice(0, i)] = line.slice(i + 1);
  }
  servicesDir = env.SERVICES_DIR;
}

const all: (BenchMetric & { bench: string })[] = [];
try {
  for (const file of selected) {
    console.log(`\n== ${file}`);
    const metrics = await new Promise<BenchMetric[]>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', `${root}bench/run-one.ts`, `${root}${file}`], {
        env,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      let result: BenchMetric[] | undefined;
      child.on('message', (m) => {
        result = m as BenchMetric[];
      });
      child.on('exit', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`${file} exited with ${code}`))));
    });
    for (const m of metrics) all.push({ ...m, bench: file });
  }
} finally {
  if (servicesDir) execFileSync('bash', [`${root}scripts/services.sh`, 'stop', servicesDir], { stdio: 'inherit' });
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(2));
console.log('\n| metric | value | unit |\n|---|---:|---|');
for (const m of all) console.log(`| ${m.name} | ${fmt(m.value)} | ${m.unit} |`);
const machine = {
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
};
// A run of some benches (filters given) replaces their metrics and keeps the other benches' from the last file.
const resultsFile = `${root}bench/results.json`;
const now = new Date().toISOString();
const fresh = all.map((m) => ({ ...m, date: now }));
const ran = new Set(selected);
const kept =
  filters.length > 0 && existsSync(resultsFile)
    ? ((JSON.parse(readFileSync(resultsFile, 'utf8')) as { metrics?: (BenchMetric & { bench: string })[] }).metrics ?? []).filter(
        (m) => !ran.has(m.bench),
      )
    : [];
writeFileSync(resultsFile, `${JSON.stringify({ date: now, machine, metrics: [...kept, ...fresh] }, null, 2)}\n`);
console.log(
  `\nwrote bench/results.json (${fresh.length} metrics${kept.length ? `, ${kept.length} kept from earlier runs` : ''}; ${machine.cores} cores, ${machine.memoryGiB} GiB)`,
);
