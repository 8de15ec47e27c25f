/**
 * The worker's HTTP side (fastify): `/healthz` and `/metrics` now; the processing API mounts here later.
 * Bound to 127.0.0.1 unless configured otherwise.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { RunnerMetrics } from '../metrics.js';

export interface HealthReport {
  ok: boolean;
  [key: string]: unknown;
}

export interface HttpServerOptions {
  port: number;
  host?: string;
  metrics: RunnerMetrics;
  health: () => Promise<HealthReport> | HealthReport;
}

export async function startHttpServer(options: HttpServerOptions): Promise<{ app: FastifyInstance; url: string; close(): Promise<void> }> {
  const app = Fastify({ logger: false });
  app.get('/healthz', async (_req, reply) => {
    const report = await options.health();
    return reply.code(report.ok ? 200 : 503).send(report);
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', options.metrics.registry.contentType);
    return options.metrics.registry.metrics();
  });
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port, host });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : options.port;
  return { app, url: `http://${host}:${port}`, close: () => app.close() };
}
