/**
 * The CLI's one rule for what a command starts: everything a command opens (the in-process simulator, the store,
 * Redis connections, the shared rate limiter, the HTTP server, the worker) is registered with the command's
 * {@link ResourceScope} the moment it exists, and `main` closes the scope, in reverse order, when the command ends:
 * normally, with an error, or half-way through its start-up. No command closes its own resources in a `finally`.
 *
 * Each close step is bounded (a stuck close is abandoned with a note on stderr, the next one still runs), and when
 * the CLI runs as the `tickstock` bin, `main` also exits the process shortly after the command ended, should some
 * library still hold the event loop (see `main.ts`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface CloseOptions {
  /** Shown when closing it fails or hangs, e.g. `store`, `redis`. */
  name?: string;
  /** How long closing it may take before the scope moves on (default {@link DEFAULT_CLOSE_TIMEOUT_MS}). */
  timeoutMs?: number;
}

export const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

interface Entry {
  name: string;
  timeoutMs: number;
  run: () => Promise<void>;
}

export class ResourceScope {
  private readonly entries: Entry[] = [];
  private closed = false;

  /** Registers `resource`, closed by `close` when the scope closes; returns `resource`. */
  use<T>(resource: T, close: (resource: T) => unknown, options: CloseOptions = {}): T {
    this.defer(() => close(resource), options);
    return resource;
  }

  /**
   * Registers a clean-up step. Returns a function that runs it now (e.g. a graceful drain before the HTTP server
   * closes); it runs at most once either way.
   */
  defer(close: () => unknown, options: CloseOptions = {}): () => Promise<void> {
    let done: Promise<void> | undefined;
    const entry: Entry = {
      name: options.name ?? 'resource',
      timeoutMs: options.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS,
      run: () => {
        done ??= Promise.resolve()
          .then(close)
          .then(
            () => undefined,
            () => undefined,
          );
        return done;
      },
    };
    if (this.closed) {
      // Opened after the command ended (a late callback): close it straight away.
      void this.runBounded(entry);
    } else {
      this.entries.push(entry);
    }
    // Called early (a drain on a signal), it is bounded by its timeout just the same.
    return () => this.runBounded(entry);
  }

  /** Closes everything registered, newest first. Errors are swallowed; each step is bounded by its timeout. */
  async close(): Promise<void> {
    this.closed = true;
    for (let entry = this.entries.pop(); entry; entry = this.entries.pop()) await this.runBounded(entry);
  }

  private async runBounded(entry: Entry): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), entry.timeoutMs);
      timer.unref();
    });
    const result = await Promise.race([entry.run(), timedOut]);
    clearTimeout(timer);
    if (result === 'timeout')
      process.stderr.write(`tickstock: closing the ${entry.name} took over ${entry.timeoutMs / 1000} s: moving on\n`);
  }
}

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
