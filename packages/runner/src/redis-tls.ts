/**
 * TLS to Redis: the ioredis options a configured `rediss://` address needs, and what a failed handshake means. ioredis
 * reports a certificate it does not trust only as an `error` event, then keeps reconnecting, and its commands fail
 * with "Connection is closed." or "Reached the max retries per request limit"; a Cluster swallows the reason
 * altogether ("None of startup nodes is available"). So the reason is read from the events, or, for a cluster, from
 * one handshake made here ({@link probeTls}), and turned into a message naming the variable to check.
 */
import { type ConnectionOptions, connect } from 'node:tls';
import { tlsFailureKind } from '@tickstock/ohlcv-store';
import type { RedisTlsConfig } from './config/env.js';

/** The `tls` option of an ioredis connection (node's `tls.connect` options). */
export function redisTlsOptions(tls: RedisTlsConfig): ConnectionOptions {
  return { ...(tls.ca ? { ca: tls.ca } : {}), ...(tls.servername ? { servername: tls.servername } : {}) };
}

/**
 * What a TLS failure of a Redis connection means and what to check, or undefined when `e` is not one. Such a failure
 * does not go away by reconnecting: the caller stops at once.
 */
export function redisTlsFailure(e: unknown, tls: RedisTlsConfig | undefined): string | undefined {
  if (e === null || typeof e !== 'object') return undefined;
  const { code, message } = e as { code?: unknown; message?: unknown };
  if (typeof code !== 'string') return undefined;
  const text = typeof message === 'string' ? message : code;
  const kind = tlsFailureKind(code);
  if (kind === 'untrusted') {
    const check = tls?.caFile
      ? `REDIS_TLS_CA_FILE (${tls.caFile}) must hold the CA that signed the Redis server's certificate`
      : `REDIS_TLS_CA_FILE is not set, so only the system's trusted CAs were accepted: set it to the CA that signed the Redis server's certificate`;
    return `Redis TLS: the server's certificate is not trusted (${text}): ${check}`;
  }
  if (kind === 'hostname')
    return `Redis TLS: the server's certificate is not for the name connected to (${text}): connect with a host name the certificate names, or set REDIS_TLS_SERVERNAME to the name it carries`;
  if (kind === 'validity') return `Redis TLS: the server's certificate is not valid now (${text}): the server needs a current certificate`;
  if (kind === 'handshake') return `Redis TLS: the handshake failed (${text}): is that port serving TLS (redis-server --tls-port)?`;
  return undefined;
}

/**
 * One TLS handshake with `host:port` using `options`: resolves with the failure's message from
 * {@link redisTlsFailure}, or undefined when the handshake succeeds or fails for another reason (refused, timeout).
 */
export function probeTls(
  node: { host: string; port: number },
  options: ConnectionOptions,
  tls: RedisTlsConfig,
  timeoutMs = 5000,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: node.host, port: node.port, ...options, ...(options.servername ? {} : servernameFor(node.host)) });
    const finish = (reason: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reason);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    socket.once('secureConnect', () => finish(undefined));
    socket.once('error', (e) => finish(redisTlsFailure(e, tls)));
  });
}

/** SNI for a host name (not for an IP address, which TLS does not allow as a server name). */
function servernameFor(host: string): { servername?: string } {
  return /^[\d.]+$/.test(host) || host.includes(':') ? {} : { servername: host };
}
