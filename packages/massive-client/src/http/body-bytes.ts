/**
 * A response body read into one buffer. `Response.arrayBuffer()` keeps every chunk in a list and joins them at the
 * end, so a 3.6 MB page is held twice at its peak, and a small page is copied once more for nothing. Here a body that
 * arrives in one chunk is that chunk (no copy); a longer one is copied chunk by chunk into a buffer of the announced
 * length (`Content-Length`), grown by doubling when there is none or the body is longer (a compressed transfer
 * announces its compressed size). Errors of the transfer (a connection cut mid-body) are thrown as they come.
 */
import { Buffer } from 'node:buffer';

/** Largest announced length taken at its word for the first allocation (beyond it the buffer grows as bytes come). */
const MAX_PREALLOCATION = 256 * 2 ** 20;
/** Smallest allocation for a body of several chunks. */
const MIN_BYTES = 64 * 1024;

/** The bytes of a fetch `Response`'s body (empty for a response without a body). */
export function readBodyBytes(response: Response): Promise<Buffer> {
  if (response.body === null) return Promise.resolve(Buffer.alloc(0));
  return bytesOfChunks(response.body, contentLength(response.headers.get('content-length')));
}

/** A `Content-Length` header's value as a number of bytes, or undefined when absent or not one. */
export function contentLength(header: string | null | undefined): number | undefined {
  if (header === null || header === undefined || !/^\d+$/.test(header)) return undefined;
  return Number(header);
}

/** The chunks of a body in one buffer; `announced` is the length the headers gave, if any. */
export async function bytesOfChunks(chunks: AsyncIterable<Uint8Array>, announced?: number): Promise<Buffer> {
  const iterator = chunks[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return Buffer.alloc(0);
  let next = await iterator.next();
  if (next.done) return Buffer.from(first.value.buffer, first.value.byteOffset, first.value.byteLength);
  const bytes = new GrowingBytes(announced !== undefined && announced <= MAX_PREALLOCATION ? announced : MIN_BYTES);
  bytes.append(first.value);
  while (!next.done) {
    bytes.append(next.value);
    next = await iterator.next();
  }
  return bytes.result();
}

/** Bytes appended into one buffer, doubled when full. */
class GrowingBytes {
  #buffer: Buffer;
  #length = 0;

  constructor(capacity: number) {
    this.#buffer = Buffer.allocUnsafe(capacity);
  }

  append(chunk: Uint8Array): void {
    const needed = this.#length + chunk.byteLength;
    if (needed > this.#buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, needed, MIN_BYTES));
      this.#buffer.copy(grown, 0, 0, this.#length);
      this.#buffer = grown;
    }
    this.#buffer.set(chunk, this.#length);
    this.#length = needed;
  }

  result(): Buffer {
    return this.#buffer.subarray(0, this.#length);
  }
}
