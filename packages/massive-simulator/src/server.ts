/**
 * The simulator's HTTP server: node:http on 127.0.0.1. Per API request, in order: count it, wait the configured
 * latency, check the key (401), apply the rate limit (429), inject a seeded fault, then answer from the routes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type FaultKind, faultThresholds, SIMULATOR_DEFAULTS, type SimulatorOptions } from './options.js';
import { RenderedPageCache } from './page-cache.js';
import { isReservedUnknownTicker } from './pure.js';
import { hash2, unit } from './random.js';
import { SimulatedRateLimiter } from './rate-limit.js';
import { DEFAULT_TICKERS, type UniverseTicker, universeTicker } from './reference.js';
import { requestId } from './request-ids.js';
import { endpointOf, groupedMarketOf, type RouteResult, route, tickerOf } from './routes.js';
import { BarSource } from './source.js';
import { type SimulatorStats, StatsRecorder } from './stats.js';
import { errorBody, NGINX_502_HTML } from './wire.js';

/** A running simulator. */
export interface RunningSimulator {
  /** `http://127.0.0.1:<port>`: use it as the client's base URL. */
  readonly url: string;
  readonly port: number;
  /** A snapshot of the counters. */
  stats(): SimulatorStats;
  /** Back to the freshly started state: counters, request ids, fault sequence and rate-limit window. */
  reset(): void;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

const RATE_LIMIT_TEXT =
  "You've exceeded the maximum requests per minute, please wait or upgrade your subscription to continue. https://massive.com/pricing";

function nginxPage(code: number, text: string): string {
  return NGINX_502_HTML.replaceAll('502 Bad Gateway', `${code} ${text}`);
}

/** Starts a simulator; resolves once it listens. Throws a RangeError for an invalid option, naming it. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const source = new BarSource(options);
  const thresholds = faultThresholds(options.faults);
  const limiter = new SimulatedRateLimiter(options.rateLimit);
  const stats = new StatsRecorder(options.peakWindowSlackMs ?? 0);
  const fixedMs = options.latency?.fixedMs ?? 0;
  const jitterMs = options.latency?.jitterMs ?? 0;
  if (!(fixedMs >= 0 && jitterMs >= 0)) throw new RangeError('latency.fixedMs and latency.jitterMs must be >= 0');
  const pageCacheMb = options.pageCacheMb ?? SIMULATOR_DEFAULTS.pageCacheMb;
  if (!(pageCacheMb >= 0)) throw new RangeError(`pageCacheMb must be >= 0, got ${options.pageCacheMb}`);
  const pages = new RenderedPageCache(Math.floor(pageCacheMb * 2 ** 20));
  const retryAfter = options.retryAfterSeconds;
  if (retryAfter !== undefined && !(Number.isInteger(retryAfter) && retryAfter >= 0)) {
    throw new RangeError(`retryAfterSeconds must be a whole number >= 0, got ${retryAfter}`);
  }
  const status = options.status ?? SIMULATOR_DEFAULTS.status;
  const clock = options.now;
  const now = typeof clock === 'function' ? clock : typeof clock === 'number' ? () => clock : () => Date.now();
  const unknown = new Set(options.unknownTickers ?? []);
  const isUnknown = (t: string) => unknown.has(t) || isReservedUnknownTicker(t);
  const universe: UniverseTicker[] = (options.tickers ?? DEFAULT_TICKERS).map(universeTicker).filter((u) => !isUnknown(u.ticker));
  const byTicker = new Map(universe.map((u) => [u.ticker, u]));
  const entryFor = (t: string) => byTicker.get(t) ?? universeTicker(t);
  const faultSeed = hash2(source.seed, 0xfa017);
  let counter = 0;
  const sockets = new Set<Socket>();

  const send = (res: ServerResponse, id: string, r: RouteResult, extra: Record<string, string> = {}) => {
    const body = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
    res.writeHead(r.status, {
      'Content-Type': r.contentType ?? 'application/json',
      'Content-Length': String(body.length),
      'X-Request-Id': id,
      ...extra,
    });
    res.end(body);
    stats.response(r.status);
    if (r.status === 200 && r.bars) stats.bars(r.bars);
  };

  const pickFault = (roll: number): FaultKind | undefined => thresholds.find((t) => roll < t.upTo)?.kind;

  const handleApi = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const n = counter++;
    const id = requestId(source.seed, n);
    const endpoint = endpointOf(url.pathname);
    const market = endpoint === 'grouped' ? (groupedMarketOf(url.pathname) ?? 'unknown') : undefined;
    stats.arrival(endpoint, Date.now(), tickerOf(url.pathname), market);
    const delay = fixedMs + jitterMs * unit(hash2(faultSeed ^ 0x1a7e, n));
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));

    if (options.apiKey !== undefined) {
      const header = req.headers.authorization;
      const given = header?.startsWith('Bearer ') ? header.slice(7) : (url.searchParams.get('apiKey') ?? undefined);
      // No key at all: 400 with the API's text, as the one recorded answer (polygon-io/issues#219) shows; a wrong key: 401.
      if (given === undefined || given === '')
        return send(res, id, { status: 400, body: errorBody('ERROR', id, 'error', 'API Key was not provided') });
      if (given !== options.apiKey) return send(res, id, { status: 401, body: errorBody('ERROR', id, 'error', 'Unknown API Key') });
    }
    const retryHeader: Record<string, string> = retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) };
    if (!limiter.admit(Date.now())) {
      stats.rateLimitExceeded();
      return send(res, id, { status: 429, body: errorBody('ERROR', id, 'error', RATE_LIMIT_TEXT) }, retryHeader);
    }
    const fault = pickFault(unit(hash2(faultSeed, n)));
    if (fault) stats.fault(fault);
    switch (fault) {
      case '429':
        return send(res, id, { status: 429, body: errorBody('ERROR', id, 'error', RATE_LIMIT_TEXT) }, retryHeader);
      case '500':
        return send(res, id, { status: 500, body: errorBody('ERROR', id, 'error', 'Internal server error') });
      case '502':
        return send(res, id, { status: 502, body: NGINX_502_HTML, contentType: 'text/html' });
      case '503':
        return send(res, id, { status: 503, body: nginxPage(503, 'Service Temporarily Unavailable'), contentType: 'text/html' });
      case '504':
        return send(res, id, { status: 504, body: nginxPage(504, 'Gateway Time-out'), contentType: 'text/html' });
      case 'reset': {
        stats.response('reset');
        const socket = req.socket as Socket & { resetAndDestroy?: () => void };
        if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
        else socket.destroy();
        return;
      }
      default:
        break;
    }
    const origin = `http://${req.headers.host ?? `127.0.0.1:${port}`}`;
    const result = route(
      { source, now: now(), requestId: id, origin, status, isUnknown, universe, entryFor, pages },
      url.pathname,
      url.searchParams,
    );
    if (fault === 'truncate') {
      const body = typeof result.body === 'string' ? Buffer.from(result.body) : result.body;
      res.writeHead(result.status, {
        'Content-Type': result.contentType ?? 'application/json',
        'Content-Length': String(body.length),
        'X-Request-Id': id,
      });
      res.write(body.subarray(0, Math.floor(body.length / 2)));
      stats.response('reset');
      setImmediate(() => req.socket.destroy());
      return;
    }
    send(res, id, result);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    if (url.pathname === '/__sim/stats') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify(stats.snapshot()));
    }
    if (url.pathname === '/__sim/reset') {
      sim.reset();
      res.writeHead(204);
      return res.end();
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'Content-Type': 'application/json', Allow: 'GET' });
      return res.end(errorBody('ERROR', requestId(source.seed, 0xffffffff), 'error', `method ${req.method} not allowed`));
    }
    await handleApi(req, res, url);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const text = err instanceof Error ? err.message : String(err);
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(errorBody('ERROR', '00000000000000000000000000000000', 'error', `simulator failure: ${text}`));
      } else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? SIMULATOR_DEFAULTS.port, options.host ?? SIMULATOR_DEFAULTS.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const port = address.port;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  const sim: RunningSimulator = {
    url: `http://${host}:${port}`,
    port,
    stats: () => stats.snapshot(),
    reset() {
      stats.reset();
      limiter.reset();
      counter = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        for (const s of sockets) s.destroy();
      }),
  };
  return sim;
}
