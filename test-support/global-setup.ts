/**
 * Vitest global setup: real PostgreSQL 15 and Redis 7 for the tests.
 * Uses DATABASE_URL / REDIS_URL when set; otherwise starts a throwaway pair on free loopback ports with
 * scripts/services.sh (installing the Debian packages first when running as root) and stops it afterwards.
 * Started once per Vitest process even though every project lists this file.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
  }
}

interface Services {
  databaseUrl: string;
  redisUrl: string;
  dir?: string;
  users: number;
}

const script = fileURLToPath(new URL('../scripts/services.sh', import.meta.url));
const g = globalThis as { __tickstockServices?: Services };

function start(): Services {
  const fromEnv = process.env.DATABASE_URL && process.env.REDIS_URL;
  if (fromEnv) return { databaseUrl: process.env.DATABASE_URL as string, redisUrl: process.env.REDIS_URL as string, users: 0 };
  const out = execFileSync('bash', [script, 'start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const env = Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  if (!env.DATABASE_URL || !env.REDIS_URL) throw new Error(`scripts/services.sh start printed no DATABASE_URL/REDIS_URL:\n${out}`);
  return { databaseUrl: env.DATABASE_URL, redisUrl: env.REDIS_URL, dir: env.SERVICES_DIR, users: 0 };
}

export function setup(project: TestProject): () => void {
  g.__tickstockServices ??= start();
  const services = g.__tickstockServices;
  services.users += 1;
  project.provide('databaseUrl', services.databaseUrl);
  project.provide('redisUrl', services.redisUrl);
  return () => {
    services.users -= 1;
    if (services.users === 0 && services.dir) {
      execFileSync('bash', [script, 'stop', services.dir], { stdio: 'inherit' });
      g.__tickstockServices = undefined;
    }
  };
}
