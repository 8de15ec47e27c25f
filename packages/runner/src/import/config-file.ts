/**
 * The scheduled import's config file (`tickstock worker --import-config FILE`): JSON with an optional `schedule`
 * (cron, New York time) and the fields of a trigger request, e.g.
 * `{"schedule": "30 20 * * 1-5", "universes": ["sp500", "tracked"], "lookback_days": {"hourly": 30}}`.
 */
import { readFile } from 'node:fs/promises';
import { RunnerError } from '../errors.js';
import { type ImportSpec, parseImportRequest } from './request.js';

export interface ImportConfig {
  schedule: string | undefined;
  spec: ImportSpec;
}

export async function readImportConfig(file: string): Promise<ImportConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new RunnerError('CONFIG_INVALID', `import config ${file} could not be read as JSON: ${(e as Error).message}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new RunnerError('CONFIG_INVALID', `import config ${file} must be a JSON object`);
  const { schedule, ...request } = raw as Record<string, unknown>;
  if (schedule !== undefined && typeof schedule !== 'string') {
    throw new RunnerError('CONFIG_INVALID', `import config ${file}: "schedule" must be a cron expression string`);
  }
  try {
    return { schedule, spec: parseImportRequest(request, `import config ${file}`) };
  } catch (e) {
    throw new RunnerError('CONFIG_INVALID', (e as Error).message);
  }
}
