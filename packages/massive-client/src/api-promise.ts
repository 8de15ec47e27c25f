/** The promise single-response calls return: awaited it gives the data; `withResponse()` adds the answer's metadata. */
import type { ResponseMeta } from './http/transport.js';

/** A call's data with the metadata of the answer it came from. */
export interface WithResponse<T> {
  data: T;
  /** Request id, URL without the key, status, attempts. */
  response: ResponseMeta;
}

/**
 * A `Promise<T>` with `withResponse()`, as openai-node's `APIPromise`:
 * `const { data, response } = await client.getTickerDetails('AAPL').withResponse()`. The request is sent once,
 * whichever way (or both) the result is read.
 */
export class ApiPromise<T> extends Promise<T> {
  readonly #response: Promise<WithResponse<T>>;
  #data: Promise<T> | undefined;

  /** Built by the client around the call's answer. */
  constructor(response: Promise<WithResponse<T>>) {
    super((resolve) => resolve(undefined as T));
    this.#response = response;
  }

  /** `then`, `catch` and `finally` make plain promises, not `ApiPromise`s. */
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  /** The data with the answer's metadata: `{ data, response: { requestId, url, status, attempts } }`. */
  withResponse(): Promise<WithResponse<T>> {
    return this.#response;
  }

  #parsed(): Promise<T> {
    this.#data ??= this.#response.then((r) => r.data);
    return this.#data;
  }

  // biome-ignore lint/suspicious/noThenProperty: it is a promise; `then` reads the data without sending the request again
  override then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#parsed().then(onfulfilled, onrejected);
  }

  override catch<R = never>(onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.#parsed().catch(onrejected);
  }

  override finally(onfinally?: (() => void) | null): Promise<T> {
    return this.#parsed().finally(onfinally);
  }
}

/** Wraps a call that resolves to `{ data, response }`. */
export function apiPromise<T>(call: () => Promise<WithResponse<T>>): ApiPromise<T> {
  return new ApiPromise(call());
}
