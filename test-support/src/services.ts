/**
 * The worker's side of test-support/global-setup.ts: asks the coordinator in the Vitest process for PostgreSQL or
 * Redis, which starts it the first time anyone asks. One request per service per worker process (the answer is kept).
 * A plain TCP socket, not HTTP: msw, which several suites install, intercepts `fetch` and `http.request`.
 */
import { connect } from 'node:net';
import { inject } from 'vitest';

export type ServiceName = 'postgres' | 'redis';

const asked = new Map<ServiceName, Promise<string>>();

function ask(name: ServiceName): Promise<string> {
  const address = inject('tickstockServices');
  if (!address) throw new Error("no services coordinator: is test-support/global-setup.ts in this project's globalSetup?");
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve, reject) => {
    let reply = '';
    const socket = connect({ host, port }, () => socket.write(`${name}\n`));
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      reply += chunk;
    });
    socket.on('error', (e) => reject(new Error(`services coordinator at ${address}: ${e.message}`)));
    socket.on('end', () => {
      try {
        const r = JSON.parse(reply) as { url?: string; error?: string };
        if (r.url) resolve(r.url);
        else reject(new Error(`could not start ${name} for the tests: ${r.error ?? reply}`));
      } catch {
        reject(new Error(`services coordinator at ${address} answered ${JSON.stringify(reply)}`));
      }
    });
  });
}

/** The URL of the run's shared `name` server, started on first use (or DATABASE_URL / REDIS_URL when set). */
export function serviceUrl(name: ServiceName): Promise<string> {
  let p = asked.get(name);
  if (!p) {
    p = ask(name);
    // A failure is not kept: the next test asks again (and gets the same error from the coordinator).
    p.catch(() => asked.delete(name));
    asked.set(name, p);
  }
  return p;
}
