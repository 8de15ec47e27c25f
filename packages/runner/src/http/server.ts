/**
 * The worker's HTTP side (fastify): `/health` and `/healthz`, Prometheus `/metrics`, and the processing API. Bound to
 * 127.0.0.1 unless configured otherwise.
 *
 * Access: the TickStock app's client sends no credentials, so without an API token (`TICKSTOCK_API_TOKEN` unset) the
 * API is open, and served on loopback only: a non-loopback host without a token is refused at start. With a token,
 * every route but `/health` and `/healthz` requires `Authorization: Bearer <token>` (and any interface may be used).
 *
 * Every answer is a JSON object; a refusal also carries its explanation in the HTTP reason phrase (`400 lookback_days
 * is null: ...`), the only part of it the app's client shows.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { RunnerError } from '../errors.js';
import type { ImportCoordinator } from '../import/coordinator.js';
import type { ImportSpec } from '../import/request.js';
import type { ScheduleInfo } from '../import/schedule-view.js';
import { SecretScrubber } from '../logging/secrets.js';
import type { RunnerMetrics } from '../metrics.js';
import { bearerMatches } from './auth.js';
import { PROCESSING_PREFIX, registerProcessingApi } from './processing-api.js';

/** Routes served without a token. */
const OPEN_ROUTES = new Set(['/health', '/healthz']);

/** True for a host name or address that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || /^::ffff:127(\.\d{1,3}){3}$/.test(h);
}

/**
 * Throws `CONFIG_INVALID` when the API would be open (no token) on an interface other machines can reach. Call it
 * before connecting anything; {@link startHttpServer} calls it too.
 */
export function checkHttpExposure(host: string, token: string | undefined): void {
  if (token || isLoopbackHost(host)) return;
  throw new RunnerError(
    'CONFIG_INVALID',
    `refusing to serve the HTTP API on ${host} without TICKSTOCK_API_TOKEN: without a token it is open, so it listens on loopback only (127.0.0.1, ::1 or localhost); set TICKSTOCK_API_TOKEN to serve ${host} (every route but /health and /healthz then needs the token)`,
  );
}

/** Printable ASCII only (Node refuses other characters in a status line), one line, bounded. */
export function reasonPhrase(text: string): string {
  const ascii = text
    .normalize('NFKD')
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
  return ascii.length > 400 ? `${ascii.slice(0, 397)}...` : ascii;
}

/** The reason phrase of a JSON error body: its `error`, and each issue of a bad body. */
function reasonOf(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const { error, issues } = body as { error?: unknown; issues?: unknown };
  if (typeof error !== 'string' || error.length === 0) return undefined;
  const details = Array.isArray(issues)
    ? issues
        .map((i: { path?: unknown; message?: unknown }) => `${String(i?.path ?? '')}: ${String(i?.message ?? '')}`)
        .filter((t) => t !== ': ')
    : [];
  return reasonPhrase(details.length ? `${error}: ${details.join('; ')}` : error);
}

export interface HealthReport {
  ok: boolean;
  [key: string]: unknown;
}

export interface HttpServerOptions {
  port: number;
  host?: string;
  metrics: RunnerMetrics;
  health: () => Promise<HealthReport> | HealthReport;
  /**
   * Required (as a Bearer token) on every route but `/health` and `/healthz` when set. Without it the API is open
   * and served on loopback hosts only.
   */
  apiToken?: string | undefined;
  /** The daily imports the processing API triggers, watches and retries. */
  imports?: ImportCoordinator | undefined;
  /** What the app's `trigger-manual` runs (default: the scheduled import's spec, else the import defaults). */
  dailyImport?: ImportSpec | undefined;
  /** The schedule configured on this worker, for `GET /api/processing/schedule`. */
  schedule?: (() => ScheduleInfo) | undefined;
  scrubber?: SecretScrubber | undefined;
}

/** A running HTTP server. */
export interface RunningHttpServer {
  app: FastifyInstance;
  url: string;
  /** Who may call it, in one sentence for the start-up log. */
  access: string;
  close(): Promise<void>;
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.apiToken;
  checkHttpExposure(host, token);
  // Loaded here, not at import: `import '@tickstock/runner'` does not load the HTTP server.
  const { fastify } = await import('fastify');
  const app = fastify({ logger: false, bodyLimit: 1_048_576 });
  const scrubber = options.scrubber ?? new SecretScrubber();
  if (token) scrubber.add(token);

  // An empty JSON body (a POST /cancel with a Content-Type and nothing else) is no body, not a 400.
  const json = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (typeof body === 'string' && body.trim() === '') return done(null, undefined);
    return json(req, body as string, done);
  });

  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    if (OPEN_ROUTES.has(path)) return;
    if (token && !bearerMatches(req.headers.authorization, token)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="tickstock"')
        .send({ success: false, error: 'unauthorized: send Authorization: Bearer <TICKSTOCK_API_TOKEN>' });
    }
    const processing = path === PROCESSING_PREFIX || path.startsWith(`${PROCESSING_PREFIX}/`);
    if (processing && !options.imports) {
      return reply.code(503).send({ success: false, error: 'the processing API is not available in this process' });
    }
  });

  // The explanation of a refusal goes into the reason phrase too: the app's client shows nothing else of it.
  app.addHook('onSend', async (_req, reply, payload) => {
    if (reply.statusCode >= 400 && typeof payload === 'string') {
      try {
        const reason = reasonOf(JSON.parse(payload));
        if (reason) reply.raw.statusMessage = reason;
      } catch {
        // not JSON: the standard phrase stays
      }
    }
    return payload;
  });

  app.setErrorHandler((error: { statusCode?: number; message?: string }, _req, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    reply.code(status).send({ success: false, error: status < 500 ? scrubber.scrub(error.message ?? 'bad request') : 'internal error' });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ success: false, error: `no route ${req.method} ${req.url.split('?')[0]}` });
  });

  // `/health` for the app's client (`health_check`: status 200), `/healthz` as before; the same report.
  const health = async (_req: unknown, reply: FastifyReply) => {
    const report = await options.health();
    return reply.code(report.ok ? 200 : 503).send(report);
  };
  app.get('/health', health);
  app.get('/healthz', health);
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', options.metrics.registry.contentType);
    return options.metrics.registry.metrics();
  });
  if (options.imports) {
    registerProcessingApi(app, options.imports, scrubber, { dailyImport: options.dailyImport, schedule: options.schedule });
  }

  await app.listen({ port: options.port, host });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : options.port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const access = token
    ? 'bearer token (TICKSTOCK_API_TOKEN) required on every route but /health and /healthz'
    : `open without a token (TICKSTOCK_API_TOKEN not set), on loopback only (${host}): the TickStock app on this machine can call it`;
  return { app, url: `http://${shownHost}:${port}`, access, close: () => app.close() };
}
