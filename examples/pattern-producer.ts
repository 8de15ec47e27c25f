/**
 * A pattern-detection service publishing `pattern_detected` events as the TickStock app expects them, with the
 * producer heartbeat the app watches (it calls the producer dead after 30-60 s without one).
 *
 *   REDIS_URL=redis://127.0.0.1:6379 pnpm --filter @tickstock/examples pattern-producer [count]
 */
import { EventPublisher, Heartbeat } from '@tickstock/job-protocol';
import { Redis } from 'ioredis';

const count = Number(process.argv[2] ?? 5);
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const heartbeat = new Heartbeat(redis, { intervalMs: 10_000 });
const events = new EventPublisher(redis, { component: 'pattern-example' });

await heartbeat.start();
const patterns = ['Doji', 'Hammer', 'BullishEngulfing', 'MorningStar'];
for (let i = 0; i < count; i++) {
  const receivers = await events.pattern({
    symbol: ['AAPL', 'MSFT', 'NVDA'][i % 3] as string,
    pattern: patterns[i % patterns.length] as string, // the field is `pattern`, never `pattern_name`
    confidence: 0.7 + (i % 3) / 10,
    current_price: 100 + i,
    price_change: 0.5 * (i + 1), // percent
    indicators: { relative_strength: 1.1, relative_volume: 1.4 },
    source: 'daily', // the data tier the pattern was found on
  });
  console.log(`published pattern ${i + 1}/${count} (${receivers} subscriber(s))`);
  await new Promise((r) => setTimeout(r, 200));
}
await heartbeat.stop();
redis.disconnect();
