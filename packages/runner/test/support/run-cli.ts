/** The `tickstock` CLI's `main` run in this process with its output captured: for tests where no process boundary matters. */
import { main } from '../../src/cli/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** How long `main` took to return. */
  durationMs: number;
}

/**
 * Runs `tickstock <args>` through `main` and returns its exit code and what it wrote. `env` overrides variables for
 * this call only (undefined removes one); the environment is restored afterwards.
 */
export async function runCliInProcess(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const write = (into: string[]) =>
    ((chunk: string | Uint8Array) => {
      into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof process.stdout.write;
  const [stdout, stderr] = [process.stdout.write, process.stderr.write];
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  const setEnv = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  setEnv(env);
  process.stdout.write = write(out);
  process.stderr.write = write(err);
  process.exitCode = undefined;
  const started = Date.now();
  try {
    const code = await main(['node', 'tickstock', ...args]);
    return { code, stdout: out.join(''), stderr: err.join(''), durationMs: Date.now() - started };
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
    process.exitCode = undefined;
    setEnv(saved);
  }
}
