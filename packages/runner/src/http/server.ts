/**
 * The worker's HTTP side (fastify): `/healthz`, Prometheus `/metrics`, and the processing API. Bound to 127.0.0.1
 * unless configured otherwise. With an API token (`TICKSTOCK_API_TOKEN`) every route but `/healthz` requires
 * `Authorization: Bearer <token>`; without one the processing routes answer 503 saying they are off.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { ImportCoordinator } from '../import/coordinator.js';
import { SecretScrubber } from '../logging/secrets.js';
import type { RunnerMetrics } from '../metrics.js';
import { bearerMatches } from './auth.js';
import { PROCESSING_PREFIX, registerProcessingApi } from './processing-api.js';

export interface HealthReport {
  ok: boolean;
  [key: string]: unknown;
}

export interface HttpServerOptions {
  port: number;
  host?: string;
  metrics: RunnerMetrics;
  health: () => Promise<HealthReport> | HealthReport;
  /** Required (as a Bearer token) on every route but `/healthz` when set; the processing API is off without it. */
  apiToken?: string | undefined;
  /** The daily imports the processing API triggers, watches and retries. */
  imports?: ImportCoordinator | undefined;
  scrubber?: SecretScrubber | undefined;
}

export async function startHttpServer(options: HttpServerOptions): Promise<{ app: FastifyInstance; url: string; close(): Promise<void> }> {
  const app = Fastify({ logger: false, bodyLimit: 1_048_576 });
  const scrubber = options.scrubber ?? new SecretScrubber();
  const token = options.apiToken;
  if (token) scrubber.add(token);

  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    if (path === '/healthz') return;
    const processing = path === PROCESSING_PREFIX || path.startsWith(`${PROCESSING_PREFIX}/`);
    if (processing && (!token || !options.imports)) {
      return reply.code(503).send({
        success: false,
        error: token
          ? 'the processing API is not available in this process'
          : 'the processing API is off: set TICKSTOCK_API_TOKEN on the worker to enable it',
      });
    }
    if (token && !bearerMatches(req.headers.authorization, token)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="tickstock"')
        .send({ success: false, error: 'unauthorized: send Authorization: Bearer <TICKSTOCK_API_TOKEN>' });
    }
  });

  app.setErrorHandler((error: { statusCode?: number; message?: string }, _req, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    reply.code(status).send({ success: false, error: status < 500 ? scrubber.scrub(error.message ?? 'bad request') : 'internal error' });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ success: false, error: `no route ${req.method} ${req.url.split('?')[0]}` });
  });

  app.get('/healthz', async (_req, reply) => {
    const report = await options.health();
    return reply.code(report.ok ? 200 : 503).send(report);
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', options.metrics.registry.contentType);
    return options.metrics.registry.metrics();
  });
  if (options.imports) registerProcessingApi(app, options.imports, scrubber);

  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port, host });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : options.port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { app, url: `http://${shownHost}:${port}`, close: () => app.close() };
}
