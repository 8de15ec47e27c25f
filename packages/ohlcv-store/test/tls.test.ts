/**
 * TLS to PostgreSQL, on a private server with `ssl=on` that accepts TCP connections over TLS only (`hostssl`), and a
 * CA made for this file. Its certificate names `localhost` only, so connecting to 127.0.0.1 is a host-name mismatch.
 * Every store is opened with an explicit `env`: nothing here reads or changes `process.env`.
 */
import { databaseUrl, makeTestCa, type PostgresServer, startPostgresServer, type TestCa } from '@tickstock/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeUrl } from '../src/connection.js';
import { storageFailed } from '../src/errors.js';
import { isStoreError, isStoreUnavailable, openStore, type StoreError } from '../src/index.js';
import { dayBar } from './support/bars.js';

/** Every failure here must come at once: a certificate does not change by waiting. */
const FAST_MS = 5000;

let ca: TestCa;
let server: PostgresServer;
/** The server by the name its certificate names (no TLS settings). */
let url: string;
let port: string;

beforeAll(async () => {
  ca = await makeTestCa({ serverNames: ['localhost'] });
  server = await startPostgresServer({ tls: ca.serverTls });
  url = server.url.replace('127.0.0.1', 'localhost');
  port = String(server.port);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await ca?.remove();
});

async function failure(p: Promise<unknown>): Promise<{ error: StoreError; ms: number }> {
  const started = Date.now();
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isStoreError(e)) throw new Error(`expected a StoreError, got ${String(e)}`);
  return { error: e, ms: Date.now() - started };
}

const BARS = [dayBar('2025-03-03', 101), dayBar('2025-03-04', 102)];
const expected = BARS.map((b) => ({ timestamp: b.timestamp, open: b.open, high: b.high, low: b.low, close: b.close }));

async function readsBars(store: Awaited<ReturnType<typeof openStore>>): Promise<unknown[]> {
  try {
    return (await store.getBars('daily', 'TLSX')).map((b) => ({
      timestamp: b.timestamp,
      open: b.open,
      high: b.high,
      low: b.low,
      close: b.close,
    }));
  } finally {
    await store.close();
  }
}

describe('PostgreSQL over TLS (sslmode=verify-full and a private CA)', () => {
  it('opens with sslrootcert in the URL, writes and reads bars (the server takes nothing but TLS)', async () => {
    const store = await openStore({ databaseUrl: `${url}?sslmode=verify-full&sslrootcert=${ca.caFile}`, env: {} });
    try {
      await store.registerSymbol({ symbol: 'TLSX', name: 'TLS Example Inc' });
      expect(await store.upsertBars('daily', 'TLSX', BARS)).toMatchObject({ inserted: 2, rejected: 0 });
    } finally {
      await store.close();
    }
    expect(await readsBars(await openStore({ databaseUrl: `${url}?sslmode=verify-full&sslrootcert=${ca.caFile}`, env: {} }))).toEqual(
      expected,
    );
  });

  it('takes PGSSLMODE and PGSSLROOTCERT from the environment when the URL has no TLS settings', async () => {
    const env = { PGSSLMODE: 'verify-full', PGSSLROOTCERT: ca.caFile };
    expect(await readsBars(await openStore({ databaseUrl: url, env }))).toEqual(expected);
    // DATABASE_URL with its own sslmode, the CA from PGSSLROOTCERT.
    expect(await readsBars(await openStore({ env: { DATABASE_URL: `${url}?sslmode=verify-full`, PGSSLROOTCERT: ca.caFile } }))).toEqual(
      expected,
    );
    // DB_* parts with the PGSSL* variables.
    expect(
      await readsBars(await openStore({ env: { DB_HOST: 'localhost', DB_PORT: port, DB_NAME: 'tickstock', DB_USER: 'postgres', ...env } })),
    ).toEqual(expected);
  });

  it('a CA that did not sign the server certificate: TLS_FAILED, not retryable, naming the reason and the setting', async () => {
    const viaUrl = await failure(openStore({ databaseUrl: `${url}?sslmode=verify-full&sslrootcert=${ca.wrongCaFile}`, env: {} }));
    expect(viaUrl.error.code).toBe('TLS_FAILED');
    expect(viaUrl.error.retryable).toBe(false);
    expect(isStoreUnavailable(viaUrl.error)).toBe(false);
    expect(viaUrl.error.message).toBe(
      `could not connect to ${describeUrl(url)}: TLS: the server's certificate is not trusted (unable to verify the first certificate): ` +
        "sslrootcert in the database URL must name the CA that signed the server's certificate",
    );
    expect(viaUrl.ms).toBeLessThan(FAST_MS);
    const viaEnv = await failure(openStore({ databaseUrl: url, env: { PGSSLMODE: 'verify-full', PGSSLROOTCERT: ca.wrongCaFile } }));
    expect(viaEnv.error.message).toBe(
      `could not connect to ${describeUrl(url)}: TLS: the server's certificate is not trusted (unable to verify the first certificate): ` +
        "PGSSLROOTCERT must name the CA that signed the server's certificate",
    );
    const noCa = await failure(openStore({ databaseUrl: `${url}?sslmode=verify-full`, env: {} }));
    expect(noCa.error.message).toBe(
      `could not connect to ${describeUrl(url)}: TLS: the server's certificate is not trusted (unable to verify the first certificate): ` +
        "no CA file is set, so only the system's trusted CAs were accepted: set sslrootcert in the database URL (or PGSSLROOTCERT) to the CA that signed the server's certificate",
    );
  });

  it('a host name the certificate does not name: TLS_FAILED naming the mismatch', async () => {
    const { error, ms } = await failure(openStore({ databaseUrl: `${server.url}?sslmode=verify-full&sslrootcert=${ca.caFile}`, env: {} }));
    expect(error.code).toBe('TLS_FAILED');
    expect(error.message).toBe(
      `could not connect to ${describeUrl(server.url)}: TLS: the server's certificate is not for the host connected to ` +
        "(Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list: ): " +
        'use a host name the certificate names, or have the certificate reissued',
    );
    expect(ms).toBeLessThan(FAST_MS);
  });

  it('a plain-text client is refused by a server that requires TLS (never a silent plain connection)', async () => {
    const { error } = await failure(openStore({ databaseUrl: url, env: {} }));
    expect(error.code).toBe('TLS_FAILED');
    expect(error.message).toBe(
      `could not connect to ${describeUrl(url)}: the server accepts only TLS connections ` +
        '(no pg_hba.conf entry for host "127.0.0.1", user "postgres", database "tickstock", no encryption): ' +
        'add sslmode=verify-full and sslrootcert=<CA file> to the database URL (or set PGSSLMODE and PGSSLROOTCERT)',
    );
  });

  it('sslmode=require against a server without TLS fails: TLS_FAILED, no fallback to plain text', async () => {
    const plain = await databaseUrl();
    const { error, ms } = await failure(openStore({ databaseUrl: `${plain}?sslmode=require&sslrootcert=${ca.caFile}`, env: {} }));
    expect(error.code).toBe('TLS_FAILED');
    expect(error.message).toBe(
      `could not connect to ${describeUrl(plain)}: TLS: the server does not accept TLS connections and sslmode=require asks for TLS: ` +
        'turn ssl on in the server (or, on a trusted network only, set sslmode=disable)',
    );
    expect(ms).toBeLessThan(FAST_MS);
  });

  it('bad TLS settings are CONFIGURATION errors naming the variable, before connecting', async () => {
    const missing = `${ca.dir}/missing-ca.crt`;
    const cases: [Record<string, string>, string][] = [
      [{ PGSSLMODE: 'verify-full', PGSSLROOTCERT: missing }, `PGSSLROOTCERT names ${missing}, which cannot be read (ENOENT)`],
      [
        { PGSSLROOTCERT: ca.caFile },
        'PGSSLROOTCERT is set but no sslmode asks for TLS: add sslmode=verify-full to the database URL (or set PGSSLMODE=verify-full), or unset PGSSLROOTCERT',
      ],
      [
        { PGSSLMODE: 'verify_full' },
        'PGSSLMODE must be one of disable, allow, prefer, require, verify-ca, verify-full, no-verify (got "verify_full")',
      ],
    ];
    for (const [env, problem] of cases) {
      const { error } = await failure(openStore({ databaseUrl: url, env }));
      expect({ code: error.code, message: error.message }).toEqual({
        code: 'CONFIGURATION',
        message: `TLS settings of ${describeUrl(url)}: ${problem}`,
      });
    }
    const inUrl = await failure(openStore({ databaseUrl: `${url}?sslmode=verify-full&sslrootcert=${missing}`, env: {} }));
    expect(inUrl.error.message).toBe(
      `TLS settings of ${describeUrl(url)}: sslrootcert in the database URL names ${missing}, which cannot be read (ENOENT)`,
    );
  });

  it('a TLS failure on a later connection is TLS_FAILED, not a retryable outage', () => {
    const e = Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    const wrapped = storageFailed('upserting daily bars', e);
    expect({
      code: wrapped.code,
      retryable: wrapped.retryable,
      unavailable: isStoreUnavailable(wrapped),
      message: wrapped.message,
    }).toEqual({
      code: 'TLS_FAILED',
      retryable: false,
      unavailable: false,
      message:
        "upserting daily bars failed: TLS: the server's certificate is not trusted (self-signed certificate in certificate chain): " +
        "check that sslrootcert in the database URL (or PGSSLROOTCERT) names the CA that signed the server's certificate",
    });
  });
});
