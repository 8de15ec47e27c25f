/** Waiting that a caller's `AbortSignal` can cut short. */

/** Per caller signal: what waits on it, and the one listener the signal has for all of them. */
const waiters = new WeakMap<AbortSignal, { calls: Set<() => void>; listener: () => void }>();

/**
 * Calls `fn` once when `signal` aborts; returns what cancels that. However many requests wait on one signal (a job's,
 * shared by its concurrent requests), the signal has one listener of ours, so Node never warns of a leak at 11.
 */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  let entry = waiters.get(signal);
  if (!entry) {
    const calls = new Set<() => void>();
    const listener = (): void => {
      waiters.delete(signal);
      for (const call of calls) call();
    };
    entry = { calls, listener };
    waiters.set(signal, entry);
    signal.addEventListener('abort', listener, { once: true });
  }
  const { calls, listener } = entry;
  const call = (): void => fn();
  calls.add(call);
  return () => {
    calls.delete(call);
    if (calls.size === 0 && waiters.get(signal)?.calls === calls) {
      waiters.delete(signal);
      signal.removeEventListener('abort', listener);
    }
  };
}

/** Thrown internally when the caller's signal fires; the transport turns it into a `MassiveAbortError`. */
export class CallerAbort extends Error {
  constructor() {
    super('aborted by the caller');
    this.name = 'CallerAbort';
  }
}

/** Resolves after `ms`, or rejects with {@link CallerAbort} as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new CallerAbort());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cancel?.();
      resolve();
    }, ms);
    const cancel = signal
      ? onAbort(signal, () => {
          clearTimeout(timer);
          reject(new CallerAbort());
        })
      : undefined;
  });
}

/** `promise`, or a {@link CallerAbort} rejection as soon as `signal` aborts (the promise keeps running). */
export function raceAbort<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(new CallerAbort());
  }
  return new Promise<T>((resolve, reject) => {
    const cancel = onAbort(signal, () => {
      promise.catch(() => undefined);
      reject(new CallerAbort());
    });
    promise.then(
      (value) => {
        cancel();
        resolve(value);
      },
      (error: unknown) => {
        cancel();
        reject(error);
      },
    );
  });
}
