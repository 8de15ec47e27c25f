/**
 * The runner's configuration from the environment: Redis given as a URL with its password or database number beside
 * it (as the app allows) is completed, never silently ignored; the same part given twice with different values is
 * refused, naming both; and the start-up description names where things are without any secret.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeConfig } from '../src/config/env.js';
import { configReader } from './support/config.js';

/** Secrets made up per run: the tests check where they go, never their spelling. */
const secret = (label: string) => `${label}-${randomBytes(4).toString('hex')}`;
const SPACED = `${secret('s3')} p@ss`;
const DB_PW = secret('db');
const REDIS_PW = secret('redis');
const API_KEY = secret('key');

const { load, problemsOf } = configReader(() => '/srv/tickstock');

describe('REDIS_URL with REDIS_PASSWORD and REDIS_DB beside it', () => {
  it('takes the password and database number from beside a URL that has none', () => {
    expect(load({ REDIS_URL: 'redis://cache:6379', REDIS_PASSWORD: SPACED, REDIS_DB: '2' }).redis).toEqual({
      url: `redis://:${encodeURIComponent(SPACED)}@cache:6379/2`,
      source: 'REDIS_URL',
    });
  });
  it('keeps a URL as given when nothing is beside it, or the same parts are', () => {
    expect(load({ REDIS_URL: 'redis://:pw@cache:6379/3' }).redis?.url).toBe('redis://:pw@cache:6379/3');
    expect(load({ REDIS_URL: 'redis://:pw@cache:6379/3', REDIS_PASSWORD: 'pw', REDIS_DB: '3' }).redis?.url).toBe(
      'redis://:pw@cache:6379/3',
    );
  });
  it('refuses a password or database number given twice with different values, naming both variables', () => {
    expect(problemsOf({ REDIS_URL: 'redis://:one@cache:6379/0', REDIS_PASSWORD: 'two' })).toBe(
      'invalid configuration:\n  - REDIS_URL carries a password and REDIS_PASSWORD another: keep one of them',
    );
    expect(problemsOf({ REDIS_URL: 'redis://cache:6379/5', REDIS_DB: '0' })).toBe(
      'invalid configuration:\n  - REDIS_URL names database 5 and REDIS_DB 0: keep one of them',
    );
    expect(problemsOf({ REDIS_URL: 'redis://cache:6379', REDIS_DB: 'x' })).toBe(
      'invalid configuration:\n  - REDIS_DB must be a database number (got "x")',
    );
  });
});

describe('describeConfig', () => {
  it('names the database, Redis and API without passwords or the key', () => {
    const c = load({
      DATABASE_URL: `postgres://app:${DB_PW}@db:5432/tickstock`,
      REDIS_URL: 'redis://cache:6379/1',
      REDIS_PASSWORD: REDIS_PW,
      MASSIVE_API_KEY: API_KEY,
    });
    const described = describeConfig(c);
    expect(described).toMatchObject({
      database: 'postgres://app:[REDACTED]@db:5432/tickstock',
      redis: 'redis://:[REDACTED]@cache:6379/1',
      massive: 'https://api.massive.com (key set)',
    });
    for (const hidden of [DB_PW, REDIS_PW, API_KEY]) expect(JSON.stringify(described)).not.toContain(hidden);
  });
});

describe('howToRun (the demo’s next-step hint)', () => {
  it('says pnpm tickstock inside the repository, npx tickstock for an installed package', async () => {
    const { howToRun } = await import('../src/cli/commands/demo.js');
    expect(
      howToRun('stats AAPL', { npm_lifecycle_event: 'demo', npm_config_user_agent: 'pnpm/10.34.9 npm/? node/v20.20.0 linux x64' }),
    ).toBe('pnpm tickstock stats AAPL');
    expect(howToRun('stats AAPL', { npm_lifecycle_event: 'demo', npm_config_user_agent: 'npm/10.8.2 node/v20.20.0 linux x64' })).toBe(
      'npm run tickstock -- stats AAPL',
    );
    expect(howToRun('stats AAPL', {})).toBe('npx tickstock stats AAPL');
  });
});
