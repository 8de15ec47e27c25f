/**
 * Vitest global setup: real PostgreSQL 15 and Redis 7 for the tests, each started the first time a test asks for it.
 *
 * Nothing is started here. The setup opens a small coordinator in the Vitest process (a TCP server on loopback with a
 * one-line protocol) and provides its address to the projects. `databaseUrl()` / `redisUrl()` of
 * `@tickstock/test-support` (and `createTestDatabase()`) ask it for a service; the first request for one starts it
 * with `scripts/services.sh start postgres|redis` (installing the Debian packages first when running as root), every
 * later request, from any worker of any project, gets the same URL. So a run that asks for neither (most of
 * massive-client and job-protocol, the time-zone projects) starts neither, and one that needs only PostgreSQL starts
 * only PostgreSQL. Whatever was started is stopped when the last project's teardown runs.
 *
 * `DATABASE_URL` / `REDIS_URL`, when set, are used instead of starting that service (each on its own: setting one
 * starts only the other, on demand).
 *
 * Why a coordinator rather than starting in the worker: one server per run, shared by every worker process, started
 * once however many files ask at the same moment, and stopped by the process that outlives them all. Why raw TCP
 * rather than HTTP: test files mock HTTP (msw intercepts `fetch` and `http.request` in the worker), not sockets.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `host:port` of the services coordinator (see test-support/global-setup.ts). */
    tickstockServices: string;
  }
}

/** The services a test can ask for. */
export type ServiceName = 'postgres' | 'redis';

interface Started {
  url: string;
  /** The services.sh directory to stop; absent for a URL from the environment. */
  dir?: string;
}

interface Coordinator {
  server: Server;
  address: string;
  started: Map<ServiceName, Promise<Started>>;
  users: number;
}

const script = fileURLToPath(new URL('../scripts/services.sh', import.meta.url));
// One coordinator per Vitest process, however many projects list this file (their setups may overlap).
const g = globalThis as { __tickstockServices?: Promise<Coordinator> };
const ENV_VAR: Record<ServiceName, 'DATABASE_URL' | 'REDIS_URL'> = { postgres: 'DATABASE_URL', redis: 'REDIS_URL' };

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    // stderr goes to the terminal (the Debian install, a failed initdb); stdout is the KEY=VALUE lines.
    const child = execFile('bash', [script, ...args], { encoding: 'utf8', maxBuffer: 1 << 20 }, (error, stdout) =>
      error ? reject(new Error(`scripts/services.sh ${args.join(' ')} failed: ${error.message}`)) : resolve(stdout),
    );
    child.stderr?.pipe(process.stderr);
  });
}

async function start(name: ServiceName): Promise<Started> {
  const fromEnv = process.env[ENV_VAR[name]];
  if (fromEnv) return { url: fromEnv };
  const out = await run(['start', name]);
  const env = Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const url = env[ENV_VAR[name]];
  if (!url) throw new Error(`scripts/services.sh start ${name} printed no ${ENV_VAR[name]}:\n${out}`);
  return { url, dir: env.SERVICES_DIR };
}

function service(c: Coordinator, name: ServiceName): Promise<Started> {
  let p = c.started.get(name);
  if (!p) {
    p = start(name);
    c.started.set(name, p);
  }
  return p;
}

/** One request per connection: the service's name and a newline in; one JSON line out, `{ url }` or `{ error }`. */
function openCoordinator(): Promise<Coordinator> {
  const c: Coordinator = { server: createServer(), address: '', started: new Map(), users: 0 };
  c.server.on('connection', (socket) => {
    let request = '';
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      request += chunk;
      if (!request.includes('\n')) return;
      const name = request.trim();
      const reply =
        name === 'postgres' || name === 'redis'
          ? service(c, name).then(
              (s) => ({ url: s.url }),
              (e: unknown) => ({ error: e instanceof Error ? e.message : String(e) }),
            )
          : Promise.resolve({ error: `unknown service '${name}' (postgres or redis)` });
      void reply.then((r) => socket.end(`${JSON.stringify(r)}\n`));
    });
  });
  return new Promise((resolve, reject) => {
    c.server.once('error', reject);
    c.server.listen(0, '127.0.0.1', () => {
      const addr = c.server.address();
      c.address = typeof addr === 'object' && addr ? `127.0.0.1:${addr.port}` : '';
      // The coordinator must not keep Vitest alive by itself.
      c.server.unref();
      resolve(c);
    });
  });
}

async function close(c: Coordinator): Promise<void> {
  await new Promise<void>((resolve) => c.server.close(() => resolve()));
  const stops = [...c.started.values()].map(async (p) => {
    const s = await p.catch(() => undefined);
    if (s?.dir) await run(['stop', s.dir]);
  });
  await Promise.all(stops);
}

export async function setup(project: TestProject): Promise<() => Promise<void>> {
  g.__tickstockServices ??= openCoordinator();
  const shared = g.__tickstockServices;
  const c = await shared;
  c.users += 1;
  project.provide('tickstockServices', c.address);
  return async () => {
    c.users -= 1;
    if (c.users === 0 && g.__tickstockServices === shared) {
      g.__tickstockServices = undefined;
      await close(c);
    }
  };
}
