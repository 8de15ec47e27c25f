import type { Command } from 'commander';
import { registerDemo } from './demo.js';
import { registerLoad } from './load.js';
import { registerMigrate } from './migrate.js';
import { registerSimulator } from './simulator.js';
import { registerStats } from './stats.js';
import { registerStatus } from './status.js';
import { registerSubmit } from './submit.js';
import { registerWorker } from './worker.js';

export function registerCommands(program: Command): void {
  registerWorker(program);
  registerLoad(program);
  registerDemo(program);
  registerSubmit(program);
  registerStatus(program);
  registerStats(program);
  registerMigrate(program);
  registerSimulator(program);
}
