import { loadConfig, type RunnerConfig } from '../../src/config/env.js';

/** `loadConfig` run from the working directory `cwd()` gives, and the problems it lists for an environment ('' when none). */
export function configReader(cwd: () => string): {
  load: (env: Record<string, string>) => RunnerConfig;
  problemsOf: (env: Record<string, string>) => string;
} {
  const load = (env: Record<string, string>) => loadConfig(env, cwd());
  const problemsOf = (env: Record<string, string>) => {
    try {
      load(env);
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  };
  return { load, problemsOf };
}
