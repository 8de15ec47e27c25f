import type { Command } from 'commander';
import { registerDemo } from './demo.js';
import { registerImport } from './import.js';
import { registerLoad } from './load.js';
import { registerMigrate } from './migrate.js';
import { registerPlan } from './plan.js';
import { registerRetry } from './retry.js';
import { registerSimulator } from './simulator.js';
import { registerStats } from './stats.js';
import { registerStatus } from './status.js';
import { registerSubmit } from './submit.js';
import { registerTrack } from './track.js';
import { registerVerify } from './verify.js';
import { registerWorker } from './worker.js';

export function registerCommands(program: Command): void {
  registerWorker(program);
  registerLoad(program);
  registerPlan(program);
  registerDemo(program);
  registerSubmit(program);
  registerStatus(program);
  registerImport(program);
  registerRetry(program);
  registerTrack(program);
  registerStats(program);
  registerVerify(program);
  registerMigrate(program);
  registerSimulator(program);
}
