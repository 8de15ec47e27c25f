/**
 * The simulator in a process of its own, for tests that measure request timing at the simulator: it stamps each
 * arrival when its event loop sees the request, so it must not share an event loop with the test's own work.
 * Input: SIMULATOR_OPTIONS (JSON of `SimulatorOptions`). Prints its URL on the first line; SIGTERM stops it.
 */
import { startSimulator } from '../../../massive-simulator/src/index.js';

const sim = await startSimulator(JSON.parse(process.env.SIMULATOR_OPTIONS ?? '{}'));
process.stdout.write(`${sim.url}\n`);
process.once('SIGTERM', () => {
  void sim.close().finally(() => process.exit(0));
});
