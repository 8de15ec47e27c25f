/** examples/fetch-bars.ts as a user runs it, pointed at the simulator over HTTP (the real API needs a paid key). */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../src/simulator/index.js';

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

const env = (key: string) => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '/tmp',
  MASSIVE_API_KEY: key,
  MASSIVE_API_BASE_URL: sim.url,
});

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
});
