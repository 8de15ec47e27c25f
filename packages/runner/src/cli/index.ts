/**
 * `@tickstock/runner/cli`: the `tickstock` command as a function, for a program that runs it in its own process
 * (the bin is `dist/cli.js`). Kept apart from `@tickstock/runner` so that the library does not load commander, the
 * progress bar and tables, or the API simulator.
 * @packageDocumentation
 */
export { EXIT_DEADLINE_MS, type MainOptions, main, runnerVersion } from './main.js';
