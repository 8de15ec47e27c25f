/** Simulators a test file starts, each closed after its test. */
import { afterEach } from 'vitest';
import { type RunningSimulator, type SimulatorOptions, startSimulator } from '../../src/index.js';

/** Registers the closing (call at the top of a file) and returns `start`, with `defaults` under each call's options. */
export function useSimulators(defaults: SimulatorOptions = {}): (options?: SimulatorOptions) => Promise<RunningSimulator> {
  const running: RunningSimulator[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.close()));
  });
  return async (options = {}) => {
    const sim = await startSimulator({ ...defaults, ...options });
    running.push(sim);
    return sim;
  };
}
