/**
 * examples/fetch-bars.ts as a user runs it, pointed at the simulator over HTTP (the real API needs a paid key), and
 * at servers it cannot reach (no network): it must fail within seconds, on one readable line, not after a minute.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type RunningSimulator, startSimulator } from '@tickstock/massive-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const examples = fileURLToPath(new URL('../../../examples/', import.meta.url));
const run = promisify(execFile);
const apiKey = `example-${randomUUID()}`;
let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator({ apiKey, now: Date.UTC(2025, 5, 30, 23, 0) });
});
afterAll(async () => {
  await sim?.close();
});

const env = (key: string, baseUrl = sim.url) => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '/tmp',
  MASSIVE_API_KEY: key,
  MASSIVE_API_BASE_URL: baseUrl,
});

type Failed = { code: number; stderr: string; stdout: string };

/** Runs the example against `baseUrl`, expecting it to fail; returns the failure and how long it took. */
async function runFailing(baseUrl: string): Promise<Failed & { ms: number }> {
  const t0 = Date.now();
  const r = await run(process.execPath, ['--import', 'tsx', 'fetch-bars.ts', 'AAPL'], { cwd: examples, env: env(apiKey, baseUrl) }).then(
    () => {
      throw new Error(`fetch-bars succeeded against ${baseUrl}`);
    },
    (e: Failed) => e,
  );
  return { ...r, ms: Date.now() - t0 };
}

describe('examples/fetch-bars.ts', () => {
  it('prints a table of day bars with New York trading dates', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'fetch-bars.ts', 'AAPL', 'day', '2025-06-16', '2025-06-20'], {
      cwd: examples,
      env: env(apiKey),
    });
    const lines = stdout.trim().split('\n');
    // 2025-06-19 (Juneteenth) is a holiday: four bars.
    expect(lines[0]).toBe(`AAPL day bars 2025-06-16 to 2025-06-20 from ${sim.url}/: 4 bar(s)`);
    expect(lines[1]).toMatch(/^date\s+open\s+high\s+low\s+close\s+volume$/);
    expect(lines.slice(3).map((l) => l.slice(0, 10))).toEqual(['2025-06-16', '2025-06-17', '2025-06-18', '2025-06-20']);
  });

  it('exits 1 with the error code and no key on a bad key', async () => {
    const bad = `bad-${randomUUID()}`;
    const r = await run(process.execPath, ['--import', 'tsx', 'fetch-bars.ts', 'AAPL'], { cwd: examples, env: env(bad) }).catch(
      (e: { code: number; stderr: string; stdout: string }) => e,
    );
    expect((r as { code: number }).code).toBe(1);
    expect((r as { stderr: string }).stderr).toMatch(/^API_KEY_INVALID: /);
    expect(`${(r as { stderr: string }).stderr}${(r as { stdout: string }).stdout}`).not.toContain(bad);
  });

  it('no such host: exits 1 within seconds with one NETWORK_ERROR line naming the host (was 63 s)', async () => {
    const r = await runFailing('http://does-not-exist.invalid');
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    // ENOTFOUND where a DNS server answers; EAI_AGAIN (then 3 quick attempts) where none does.
    expect(lines[0]).toMatch(
      /^NETWORK_ERROR: GET \/v2\/aggs\/ticker\/AAPL\/range\/1\/day\/\S+ failed: (the host does-not-exist\.invalid does not resolve|cannot connect to does-not-exist\.invalid)/,
    );
    expect(lines[0]).toContain('MASSIVE_API_BASE_URL');
    expect(r.ms).toBeLessThan(10_000);
    console.log(`[example] no such host: exit ${r.code} after ${r.ms} ms: ${lines[0]}`);
  }, 30_000);

  it('a closed port: exits 1 within seconds with one NETWORK_ERROR line (3 quick attempts, not 6 with backoff)', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const r = await runFailing(`http://127.0.0.1:${port}`);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^NETWORK_ERROR: GET \\S+ failed: cannot connect to 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
    expect(lines[0]).toContain('(gave up after 3 attempts)');
    expect(r.ms).toBeLessThan(10_000);
    console.log(`[example] closed port: exit ${r.code} after ${r.ms} ms: ${lines[0]}`);
  }, 30_000);
});
