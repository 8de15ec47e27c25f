/**
 * A child process for the clustered rate-limit test: one MassiveClient on a clustered limiter, sending requests as
 * fast as the shared budget allows until a deadline, then printing `{sent, ok, okBeforeDeadline, errors}` on stdout as its last line.
 * Input (environment): SENDER_REDIS_URL, SENDER_BASE_URL, SENDER_API_KEY, SENDER_RPS, SENDER_CONCURRENCY (requests
 * kept waiting on the limiter); it prints `ready`, then reads `{start, until}` (Unix ms) from stdin.
 */
import { createClusteredRateLimiter, MassiveClient } from '../../src/index.js';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`clustered-sender: ${name} is not set`);
  return value;
}

const limiter = await createClusteredRateLimiter({
  redis: required('SENDER_REDIS_URL'),
  apiKey: required('SENDER_API_KEY'),
  rateLimit: { requestsPerSecond: Number(required('SENDER_RPS')) },
});
await limiter.ready();
const client = new MassiveClient({
  apiKey: required('SENDER_API_KEY'),
  baseUrl: required('SENDER_BASE_URL'),
  rateLimit: limiter,
  maxRetries: 0,
  env: {},
});
// One request through the shared budget before the start opens this process's keep-alive connection, so the
// measured requests do not include TCP connection setup (see the README: starts are spaced, not arrivals).
if (process.env.SENDER_WARMUP === '1') await client.getMarketStatus();
// Ready: the parent answers on stdin with `{"start":ms,"until":ms}` once every sender is ready.
process.stdout.write('ready\n');
const { start, until } = await new Promise<{ start: number; until: number }>((resolve) => {
  let buffer = '';
  process.stdin.on('data', (d: Buffer) => {
    buffer += d.toString();
    if (buffer.includes('\n')) {
      process.stdin.pause();
      resolve(JSON.parse(buffer));
    }
  });
});
await new Promise((resolve) => setTimeout(resolve, Math.max(0, start - Date.now())));
let sent = 0;
let ok = 0;
let okBeforeDeadline = 0;
const errors: string[] = [];
async function loop(): Promise<void> {
  while (Date.now() < until) {
    sent++;
    try {
      await client.getMarketStatus();
      ok++;
      if (Date.now() <= until) okBeforeDeadline++;
    } catch (error) {
      errors.push(String((error as { code?: string }).code ?? error));
    }
  }
}
await Promise.all(Array.from({ length: Number(process.env.SENDER_CONCURRENCY ?? 4) }, loop));
await limiter.disconnect();
process.stdout.write(`${JSON.stringify({ sent, ok, okBeforeDeadline, errors: errors.slice(0, 5) })}\n`);
