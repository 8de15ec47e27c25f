/** One embedded data folder: what the `tickstock` CLI loads into is what the library's `openStore()` opens by default. */
import { DEFAULTS } from '@tickstock/ohlcv-store';
import { describe, expect, it } from 'vitest';
import { DEFAULT_EMBEDDED_DIR } from '../src/config/env.js';

describe('the default embedded database folder', () => {
  it('is ./.tickstock/db for the CLI and the library alike', () => {
    expect(DEFAULTS.defaultEmbeddedDir).toBe('.tickstock/db');
    expect(DEFAULT_EMBEDDED_DIR).toBe(DEFAULTS.defaultEmbeddedDir);
  });
});
