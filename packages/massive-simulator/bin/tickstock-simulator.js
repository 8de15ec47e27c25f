#!/usr/bin/env node
// `tickstock-simulator`: a committed entry point, so installs can link the command before the package is built;
// the simulator itself is the built dist/simulator-cli.js.
import('../dist/simulator-cli.js').catch((error) => {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('simulator-cli')) {
    process.stderr.write('tickstock-simulator: @tickstock/massive-simulator is not built yet: run `pnpm build` first\n');
    process.exit(2);
  }
  throw error;
});
