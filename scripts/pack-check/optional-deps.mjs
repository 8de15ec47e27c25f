#!/usr/bin/env node
import { mkdtempSync, rmSync } from 'node:fs';
/**
 * The optional dependencies of issue #22, checked in a directory where one package was installed from its tarball
 * alone (scripts/pack-check.sh), through `import` or `require` (`--cjs`) of the installed package:
 *
 *   client            @tickstock/massive-client without bottleneck: a request through the 'free' limiter
 *   client-bottleneck the same with bottleneck installed, and a `new Bottleneck()` as `rateLimit`
 *   store-postgres    @tickstock/ohlcv-store opens a PostgreSQL store (DATABASE_URL) without loading PGlite
 *   store-no-pglite   asked for an embedded database without PGlite installed: CONFIGURATION, naming what to install
 *   store-embedded    with PGlite installed: an embedded database opens
 *
 *   node optional-deps.mjs <check> [--cjs]       (a copy in the install directory, run from there)
 */
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [check, flag] = process.argv.slice(2);
const cjs = flag === '--cjs';
const require = createRequire(join(process.cwd(), 'package.json'));
const load = (spec) => (cjs ? require(spec) : import(spec));
const how = cjs ? 'require' : 'import';
const fail = (message) => {
  console.error(`pack-check: ${check} (${how}): ${message}`);
  process.exit(1);
};

async function client(withBottleneck) {
  const { MassiveClient } = await load('@tickstock/massive-client');
  // The simulator from the full install (SIMULATOR_FROM): the client alone does not install it.
  const fromApp = createRequire(join(process.env.SIMULATOR_FROM ?? fail('SIMULATOR_FROM is not set'), 'package.json'));
  const { startSimulator } = fromApp('@tickstock/massive-simulator');
  const apiKey = 'pack-check-key';
  const sim = await startSimulator({ seed: 1, apiKey });
  try {
    let rateLimit = 'free';
    if (withBottleneck) {
      const mod = await load('bottleneck');
      const Bottleneck = mod.default ?? mod;
      rateLimit = new Bottleneck({ maxConcurrent: 1 });
    }
    const c = new MassiveClient({ apiKey, baseUrl: sim.url, env: {}, rateLimit });
    let bars = 0;
    for await (const _ of c.listBars({ ticker: 'AAPL', timespan: 'day', from: '2024-01-02', to: '2024-01-12' })) bars++;
    if (bars === 0) fail('no bars from the simulator');
    return `${bars} bars through ${withBottleneck ? 'a bottleneck instance' : "the 'free' limiter"}`;
  } finally {
    await sim.close();
  }
}

async function openStore(options) {
  const store = await load('@tickstock/ohlcv-store');
  return store.openStore(options);
}

const checks = {
  client: () => client(false),
  'client-bottleneck': () => client(true),
  async 'store-postgres'() {
    const url = process.env.DATABASE_URL;
    if (!url) fail('DATABASE_URL is not set');
    const store = await openStore({ databaseUrl: url, env: {} });
    try {
      if (store.kind !== 'postgres') fail(`kind ${store.kind}`);
    } finally {
      await store.close();
    }
    return 'a PostgreSQL store opened';
  },
  async 'store-no-pglite'() {
    const dir = mkdtempSync(join(tmpdir(), 'tickstock-pack-embedded-'));
    try {
      const e = await openStore({ embedded: { dataDir: dir }, env: {} }).then(
        () => fail('an embedded database opened without @electric-sql/pglite installed'),
        (x) => x,
      );
      if (e?.code !== 'CONFIGURATION') fail(`expected a CONFIGURATION error, got ${e?.code}: ${e?.message}`);
      const expected = `npm install @electric-sql/pglite@${process.env.PGLITE_VERSION}`;
      if (!e.message.includes(expected)) fail(`the message does not say \`${expected}\`: ${e.message}`);
      return `CONFIGURATION: ${e.message}`;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
  async 'store-embedded'() {
    const dir = mkdtempSync(join(tmpdir(), 'tickstock-pack-embedded-'));
    try {
      const store = await openStore({ embedded: { dataDir: dir }, env: {} });
      try {
        if (store.kind !== 'pglite') fail(`kind ${store.kind}`);
      } finally {
        await store.close();
      }
      return 'an embedded database opened';
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

if (!checks[check]) fail(`unknown check; one of ${Object.keys(checks).join(', ')}`);
const said = await checks[check]();
console.log(`pack-check: ${check} via ${how}: ${said}`);
