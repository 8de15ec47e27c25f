/** The shared behaviour suite on embedded PGlite (PostgreSQL 18 in WASM, COPY through /dev/blob). */
import { describe } from 'vitest';
import { pgliteBackend } from './support/backends.js';
import { storeBehaviour } from './support/behaviour.js';

describe('ohlcv-store on PGlite', () => storeBehaviour(pgliteBackend));
