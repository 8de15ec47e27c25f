#!/usr/bin/env node
/**
 * `tickstock-simulator`: runs the Massive API simulator until interrupted. Prices are synthetic.
 * Usage: tickstock-simulator [--port 8080] [--seed 1] [--now 2025-06-10T15:00:00Z] [--fault-rate 0.2] ... (see --help)
 */
import { parseArgs } from 'node:util';
import { FAULT_KINDS, type FaultKind, type SimulatorOptions, startSimulator } from './index.js';

const HELP = `tickstock-simulator: a deterministic stand-in for the Massive REST API (prices are SYNTHETIC)

Options:
  --port N                 port to listen on (default 0: any free port)
  --host H                 interface to bind (default 127.0.0.1)
  --seed S                 seed of every random number (default 1)
  --now T                  fixed clock: ISO time or Unix ms (default: the real clock)
  --api-key-env NAME       require the key held in environment variable NAME (Bearer or apiKey)
  --status OK|DELAYED      status of bar responses (default OK)
  --unknown T1,T2          tickers with no data (ZZZ... and ...UNKNOWN... always are)
  --tickers T1,T2          the reference universe (default: a built-in list)
  --gap-rate auto|F        minutes without a bar: auto (default) thin trading per stock's liquidity, F that
                           fraction of extended-hours minutes, 0 none
  --listings T=D,...       listing dates: no bar of ticker T before New York date D, details list_date D
                           (e.g. NEWCO=2025-09-15; default: none)
  --missing-days T=X,...   trading days without trades: X a fraction picked from the seed (THIN=0.2) or
                           dates joined by + (THIN=2025-09-16+2025-09-18); default: none
  --splits T=D:R,...       splits: from New York date D one old share of T is R new ones (10 for 10-for-1, 0.1
                           for 1-for-10); several joined by + (TWO=2025-03-03:2+2025-06-16:3); default: none
  --rate-limit-per-second N, --rate-limit-per-minute N   answer requests beyond it with 429
  --retry-after S          Retry-After seconds on 429s
  --fault-rate F           fraction of requests given a fault, spread over --fault-kinds
  --fault-kinds K1,K2      among ${FAULT_KINDS.join(', ')} (default: all)
  --latency-ms N, --jitter-ms N   added latency
  --peak-window-slack-ms N shorten the peak-rate windows by N ms to absorb network jitter (default 0)
  --page-cache-mb N        megabytes of rendered bar pages kept for repeated requests (default 64; 0 none)
  --help
`;

function number(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got ${JSON.stringify(value)}`);
  return n;
}

/** `T1=V1,T2=V2` as pairs (the value after the first `=`, so tickers like `X:BTCUSD` pass). */
function pairs(name: string, value: string | undefined): [string, string][] | undefined {
  return list(value)?.map((item) => {
    const i = item.indexOf('=');
    if (i <= 0 || i === item.length - 1) throw new Error(`--${name} takes TICKER=VALUE pairs, got ${JSON.stringify(item)}`);
    return [item.slice(0, i), item.slice(i + 1)];
  });
}

function list(value: string | undefined): string[] | undefined {
  return value === undefined
    ? undefined
    : value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      seed: { type: 'string' },
      now: { type: 'string' },
      'api-key-env': { type: 'string' },
      status: { type: 'string' },
      unknown: { type: 'string' },
      tickers: { type: 'string' },
      'gap-rate': { type: 'string' },
      listings: { type: 'string' },
      'missing-days': { type: 'string' },
      splits: { type: 'string' },
      'rate-limit-per-second': { type: 'string' },
      'rate-limit-per-minute': { type: 'string' },
      'retry-after': { type: 'string' },
      'fault-rate': { type: 'string' },
      'fault-kinds': { type: 'string' },
      'latency-ms': { type: 'string' },
      'jitter-ms': { type: 'string' },
      'peak-window-slack-ms': { type: 'string' },
      'page-cache-mb': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const options: SimulatorOptions = {};
  const port = number('port', values.port);
  if (port !== undefined) options.port = port;
  if (values.host) options.host = values.host;
  if (values.seed !== undefined) options.seed = /^\d+$/.test(values.seed) ? Number(values.seed) : values.seed;
  if (values.now !== undefined) {
    const now = /^\d+$/.test(values.now) ? Number(values.now) : Date.parse(values.now);
    if (!Number.isFinite(now)) throw new Error(`--now must be an ISO time or Unix ms, got ${JSON.stringify(values.now)}`);
    options.now = now;
  }
  if (values['api-key-env']) {
    const key = process.env[values['api-key-env']];
    if (!key) throw new Error(`--api-key-env: environment variable ${values['api-key-env']} is empty`);
    options.apiKey = key;
  }
  if (values.status !== undefined) {
    if (values.status !== 'OK' && values.status !== 'DELAYED') throw new Error(`--status must be OK or DELAYED, got ${values.status}`);
    options.status = values.status;
  }
  const unknown = list(values.unknown);
  if (unknown) options.unknownTickers = unknown;
  const tickers = list(values.tickers);
  if (tickers) options.tickers = tickers;
  const gapRate = values['gap-rate'] === 'auto' ? 'auto' : number('gap-rate', values['gap-rate']);
  if (gapRate !== undefined) options.gapRate = gapRate;
  const listings = pairs('listings', values.listings);
  if (listings) options.listings = Object.fromEntries(listings);
  const missing = pairs('missing-days', values['missing-days']);
  if (missing) {
    options.missingDays = Object.fromEntries(
      missing.map(([ticker, v]) => [ticker, /^[\d.]+$/.test(v) ? (number('missing-days', v) as number) : v.split('+')]),
    );
  }
  const splits = pairs('splits', values.splits);
  if (splits) {
    options.splits = Object.fromEntries(
      splits.map(([ticker, v]) => [
        ticker,
        v.split('+').map((item) => {
          const [date, ratio, extra] = item.split(':');
          if (date === undefined || ratio === undefined || extra !== undefined)
            throw new Error(`--splits takes TICKER=DATE:RATIO[+DATE:RATIO], got ${JSON.stringify(`${ticker}=${v}`)}`);
          return { date, ratio: number('splits', ratio) as number };
        }),
      ]),
    );
  }
  const rps = number('rate-limit-per-second', values['rate-limit-per-second']);
  const rpm = number('rate-limit-per-minute', values['rate-limit-per-minute']);
  if (rps !== undefined || rpm !== undefined)
    options.rateLimit = { ...(rps !== undefined && { requestsPerSecond: rps }), ...(rpm !== undefined && { requestsPerMinute: rpm }) };
  const retryAfter = number('retry-after', values['retry-after']);
  if (retryAfter !== undefined) options.retryAfterSeconds = retryAfter;
  const faultRate = number('fault-rate', values['fault-rate']);
  const kinds = list(values['fault-kinds']) as FaultKind[] | undefined;
  if (faultRate !== undefined) options.faults = { rate: faultRate, ...(kinds && { kinds }) };
  const fixedMs = number('latency-ms', values['latency-ms']);
  const jitterMs = number('jitter-ms', values['jitter-ms']);
  if (fixedMs !== undefined || jitterMs !== undefined) options.latency = { fixedMs: fixedMs ?? 0, jitterMs: jitterMs ?? 0 };

  const slack = number('peak-window-slack-ms', values['peak-window-slack-ms']);
  if (slack !== undefined) options.peakWindowSlackMs = slack;
  const pageCacheMb = number('page-cache-mb', values['page-cache-mb']);
  if (pageCacheMb !== undefined) options.pageCacheMb = pageCacheMb;

  const sim = await startSimulator(options);
  process.stdout.write(`Massive API simulator listening on ${sim.url} (prices are synthetic; stats at ${sim.url}/__sim/stats)\n`);
  const stop = () => {
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`tickstock-simulator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
