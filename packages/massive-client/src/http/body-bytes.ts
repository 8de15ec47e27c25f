/**
 * A response body read into one buffer. `Response.arrayBuffer()` keeps every chunk in a list and joins them at the
 * end, so a 3.6 MB page is held twice at its peak, and a small page is copied once more for nothing. Here a body that
 * arrives in one chunk is that chunk (no copy); a longer one is copied chunk by chunk into a buffer of the announced
 * length (`Content-Length`), grown by doubling when there is none or the body is longer (a compressed transfer
 * announces its compressed size). Errors of the transfer (a connection cut mid-body) are thrown as `arrayBuffer()`
 * throws them.
 */
import { Buffer } from 'node:buffer';

/** Largest announced length taken at its word for the first allocation (beyond it the buffer grows as bytes come). */
const MAX_PREALLOCATION = 256 * 2 ** 20;
/** Smallest allocation for a body of several chunks. */
const MIN_BYTES = 64 * 1024;

/** The body's bytes (empty for a response without a body). */
export async function readBodyBytes(response: Response): Promise<Buffer> {
  const body = response.body;
  if (body === null) return Buffer.alloc(0);
  const reader = body.getReader();
  try {
    const first = await reader.read();
    if (first.done) return Buffer.alloc(0);
    let next = await reader.read();
    if (next.done) return Buffer.from(first.value.buffer, first.value.byteOffset, first.value.byteLength);
    const announced = Number(response.headers.get('content-length') ?? Number.NaN);
    const bytes = new GrowingBytes(Number.isSafeInteger(announced) && announced <= MAX_PREALLOCATION ? announced : MIN_BYTES);
    bytes.append(first.value);
    while (!next.done) {
      bytes.append(next.value);
      next = await reader.read();
    }
    return bytes.result();
  } finally {
    reader.releaseLock();
  }
}

/** Bytes appended into one buffer, doubled when full. */
class GrowingBytes {
  #buffer: Buffer;
  #length = 0;

  constructor(capacity: number) {
    this.#buffer = Buffer.allocUnsafe(Math.max(capacity, 0));
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
