/**
 * The CLI's one rule for what a command starts: everything a command opens (the in-process simulator, the runner's
 * services, Redis connections, the HTTP server, the worker) is registered with the command's {@link ResourceScope}
 * the moment it exists, and `main` closes the scope, in reverse order, when the command ends: normally, with an
 * error, or half-way through its start-up. No command closes its own resources in a `finally`.
 *
 * Each close step is bounded (a stuck close is abandoned with a note on stderr, the next one still runs), and when
 * the CLI runs as the `tickstock` bin, `main` also exits the process shortly after the command ended, should some
 * library still hold the event loop (see `main.ts`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ResourceScope } from '../resource-scope.js';

export { ResourceScope } from '../resource-scope.js';

const current = new AsyncLocalStorage<ResourceScope>();

/** Runs `fn` with `scope` as the command scope, then closes the scope however `fn` ended. */
export async function runInScope<T>(scope: ResourceScope, fn: () => Promise<T>): Promise<T> {
  try {
    return await current.run(scope, fn);
  } finally {
    await scope.close();
  }
}

/** The scope of the running command (inside `main`). */
export function commandScope(): ResourceScope {
  const scope = current.getStore();
  if (!scope) throw new Error('no command scope: CLI commands run inside main()');
  return scope;
}
