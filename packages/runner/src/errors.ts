/** The runner's one error tree. `code` is stable and safe to show; messages never carry secrets. */
export type RunnerErrorCode =
  | 'CONFIG_INVALID'
  | 'USAGE'
  | 'UNIVERSE_NOT_FOUND'
  | 'UNIVERSE_INVALID'
  | 'JOB_INVALID'
  | 'JOB_CANCELLED'
  | 'API_KEY_INVALID'
  | 'NOTHING_LOADED'
  | 'RUN_NOT_FOUND'
  | 'RUN_IN_PROGRESS'
  | 'NOTHING_TO_RETRY'
  | 'SCHEDULE_INVALID'
  | 'REDIS_UNAVAILABLE'
  | 'INTERNAL';

export class RunnerError extends Error {
  readonly code: RunnerErrorCode;
  constructor(code: RunnerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RunnerError';
    this.code = code;
  }
}
