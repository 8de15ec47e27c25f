#!/usr/bin/env node
/** Entry point of the `tickstock` bin. */
import { main } from './cli/main.js';

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`tickstock: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
