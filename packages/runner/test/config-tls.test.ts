/**
 * TLS settings in the runner's configuration: `REDIS_TLS_CA_FILE` and `REDIS_TLS_SERVERNAME` for `rediss://` (and
 * `REDIS_CLUSTER_NODES=rediss://...`), read at start; the PostgreSQL `PGSSL*` variables folded into the database URL.
 * A TLS setting beside a plain-text address is a configuration problem: never a silent plain-text connection.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeConfig } from '../src/config/env.js';
import { configReader } from './support/config.js';

/** A PEM-shaped file (the configuration reads it, it does not parse it). */
const PEM = '-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n';

let dir: string;
let caFile: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickstock-config-tls-'));
  caFile = join(dir, 'ca.crt');
  await writeFile(caFile, PEM);
  await writeFile(join(dir, 'not-a-cert.txt'), 'hello\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const { load, problemsOf } = configReader(() => dir);

describe('Redis over TLS', () => {
  it('rediss:// with REDIS_TLS_CA_FILE (relative to the working directory) reads the CA at start', () => {
    const c = load({ REDIS_URL: 'rediss://cache:6380/0', REDIS_TLS_CA_FILE: 'ca.crt', REDIS_TLS_SERVERNAME: 'redis.internal' });
    expect(c.redis).toEqual({
      url: 'rediss://cache:6380/0',
      source: 'REDIS_URL',
      tls: { caFile, ca: PEM, servername: 'redis.internal' },
    });
    expect(describeConfig(c).redisTls).toBe(`TLS, CA ${caFile}`);
  });

  it('rediss:// without a CA file trusts the system CAs', () => {
    const c = load({ REDIS_URL: 'rediss://cache:6380' });
    expect(c.redis?.tls).toEqual({ caFile: undefined, ca: undefined, servername: undefined });
    expect(describeConfig(c).redisTls).toBe("TLS, CA the system's trusted CAs");
    expect(describeConfig(load({ REDIS_URL: 'redis://cache:6379' })).redisTls).toBeUndefined();
  });

  it('a TLS setting beside a plain-text address is a problem naming both', () => {
    expect(problemsOf({ REDIS_URL: 'redis://cache:6379', REDIS_TLS_CA_FILE: caFile })).toBe(
      'invalid configuration:\n  - REDIS_TLS_CA_FILE is set but REDIS_URL (redis://) connects in plain text: use rediss:// so the connection is encrypted, or unset REDIS_TLS_CA_FILE',
    );
    expect(problemsOf({ REDIS_HOST: 'cache', REDIS_TLS_SERVERNAME: 'cache.internal' })).toBe(
      'invalid configuration:\n  - REDIS_TLS_SERVERNAME is set but REDIS_HOST/REDIS_PORT (set REDIS_URL=rediss://host:port instead) connects in plain text: use rediss:// so the connection is encrypted, or unset REDIS_TLS_SERVERNAME',
    );
    expect(problemsOf({ REDIS_CLUSTER_NODES: 'a:7000,b:7001', REDIS_TLS_CA_FILE: caFile })).toBe(
      'invalid configuration:\n  - REDIS_TLS_CA_FILE is set but REDIS_CLUSTER_NODES (without rediss://) connects in plain text: use rediss:// so the connection is encrypted, or unset REDIS_TLS_CA_FILE',
    );
    expect(problemsOf({ REDIS_TLS_CA_FILE: caFile })).toBe(
      'invalid configuration:\n  - REDIS_TLS_CA_FILE is set but no Redis is configured (REDIS_URL, REDIS_HOST or REDIS_CLUSTER_NODES)',
    );
  });

  it('a CA file that cannot be read or holds no certificate is a problem naming REDIS_TLS_CA_FILE', () => {
    expect(problemsOf({ REDIS_URL: 'rediss://cache:6380', REDIS_TLS_CA_FILE: 'missing.crt' })).toBe(
      `invalid configuration:\n  - REDIS_TLS_CA_FILE (${join(dir, 'missing.crt')}) cannot be read (ENOENT)`,
    );
    expect(problemsOf({ REDIS_URL: 'rediss://cache:6380', REDIS_TLS_CA_FILE: 'not-a-cert.txt' })).toBe(
      `invalid configuration:\n  - REDIS_TLS_CA_FILE (${join(dir, 'not-a-cert.txt')}) holds no PEM certificate ("-----BEGIN CERTIFICATE-----")`,
    );
  });

  it('REDIS_CLUSTER_NODES=rediss://h:p,h:p turns TLS on for every node', () => {
    const c = load({ REDIS_CLUSTER_NODES: 'rediss://a.internal:7000,b.internal:7001', REDIS_TLS_CA_FILE: caFile });
    expect(c.redis).toEqual({
      url: 'rediss-cluster://a.internal:7000,b.internal:7001',
      source: 'REDIS_CLUSTER_NODES',
      cluster: {
        nodes: [
          { host: 'a.internal', port: 7000 },
          { host: 'b.internal', port: 7001 },
        ],
        password: undefined,
      },
      tls: { caFile, ca: PEM, servername: undefined },
    });
    expect(load({ REDIS_CLUSTER_NODES: 'redis://a:7000' }).redis).toMatchObject({ url: 'redis-cluster://a:7000', tls: undefined });
  });
});

describe('PostgreSQL TLS variables', () => {
  it('PGSSLMODE and PGSSLROOTCERT (relative to the working directory) are kept for the store, which names them', () => {
    const c = load({ DATABASE_URL: 'postgres://app@db:5432/tickstock', PGSSLMODE: 'verify-full', PGSSLROOTCERT: 'ca.crt' });
    expect(c.database).toEqual({
      kind: 'postgres',
      url: 'postgres://app@db:5432/tickstock',
      source: 'DATABASE_URL',
      tlsEnv: { PGSSLMODE: 'verify-full', PGSSLROOTCERT: caFile },
    });
    expect(describeConfig(c).databaseTls).toBe('sslmode=verify-full, CA from PGSSLROOTCERT');
    // The URL's own settings win.
    const own = `postgres://app@db:5432/tickstock?sslmode=verify-full&sslrootcert=${caFile}`;
    expect(describeConfig(load({ DATABASE_URL: own, PGSSLMODE: 'disable', PGSSLROOTCERT: 'elsewhere.crt' })).databaseTls).toBe(
      'sslmode=verify-full, CA from sslrootcert',
    );
    expect(describeConfig(load({ DATABASE_URL: 'postgres://app@db:5432/tickstock' })).databaseTls).toBeUndefined();
  });

  it('a CA file that cannot be read, or one with no sslmode asking for TLS, is a problem naming the variable', () => {
    expect(problemsOf({ DATABASE_URL: 'postgres://app@db/tickstock?sslmode=verify-full', PGSSLROOTCERT: 'missing.crt' })).toBe(
      `invalid configuration:\n  - PGSSLROOTCERT names ${join(dir, 'missing.crt')}, which cannot be read (ENOENT)`,
    );
    expect(problemsOf({ DB_HOST: 'db', DB_NAME: 'tickstock', PGSSLROOTCERT: caFile })).toBe(
      'invalid configuration:\n  - PGSSLROOTCERT is set but no sslmode asks for TLS: add sslmode=verify-full to the database URL (or set PGSSLMODE=verify-full), or unset PGSSLROOTCERT',
    );
  });
});
