/**
 * One rule for closing what was opened: every resource is registered the moment it exists, and closing the scope
 * closes them newest first, each once, each bounded by a timeout (a stuck close is abandoned and reported, the next
 * one still runs). The CLI's command scope (./cli/scope.ts) and the runner's services (./services.ts) both use it.
 */

/** How one registered resource is closed. */
export interface CloseOptions {
  /** Shown when closing it fails or hangs, e.g. `store`, `redis`. */
  name?: string;
  /** How long closing it may take before the scope moves on (default {@link DEFAULT_CLOSE_TIMEOUT_MS}). */
  timeoutMs?: number;
}

/** How long one close step may take, unless registered with its own `timeoutMs`. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

/** Options of a {@link ResourceScope}. */
export interface ResourceScopeOptions {
  /** Told of a close step that took longer than its timeout (default: one `tickstock:` line on stderr). */
  onStuck?: (name: string, timeoutMs: number) => void;
}

interface Entry {
  name: string;
  timeoutMs: number;
  run: () => Promise<void>;
}

const stuckOnStderr = (name: string, timeoutMs: number): void => {
  process.stderr.write(`tickstock: closing the ${name} took over ${timeoutMs / 1000} s: moving on\n`);
};

/** Resources closed together, newest first, each once and bounded (see the module's comment). */
export class ResourceScope {
  private readonly entries: Entry[] = [];
  private readonly onStuck: (name: string, timeoutMs: number) => void;
  private closed = false;

  constructor(options: ResourceScopeOptions = {}) {
    this.onStuck = options.onStuck ?? stuckOnStderr;
  }

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
      // Opened after the scope closed (a late callback): close it straight away.
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

  /** The longest the registered steps may take together: the sum of their timeouts. */
  get closeTimeoutMs(): number {
    return this.entries.reduce((sum, e) => sum + e.timeoutMs, 0);
  }

  private async runBounded(entry: Entry): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), entry.timeoutMs);
      timer.unref();
    });
    const result = await Promise.race([entry.run(), timedOut]);
    clearTimeout(timer);
    if (result === 'timeout') this.onStuck(entry.name, entry.timeoutMs);
  }
}
