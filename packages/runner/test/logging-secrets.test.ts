/**
 * The secret scrubber catches a secret in every form it takes in the runner's output, including JSON-escaped (a
 * password with `"` or `\` in a JSON log line, or in JSON carried inside a JSON field), and leaves the line valid.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging/logger.js';
import { SecretScrubber } from '../src/logging/secrets.js';

const PASSWORD = 'pw"quoted\\back\tslash-0b6f1c'; // a quote, a backslash and a tab: all escaped in JSON

/** The lines a logger with `scrubber` writes for `write(logger)`. */
async function logLines(scrubber: SecretScrubber, write: (log: ReturnType<typeof createLogger>) => void): Promise<string[]> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => {
    text += c.toString('utf8');
  });
  const logger = createLogger({ level: 'info', scrubber, destination: out, pretty: false });
  write(logger);
  logger.flush();
  await new Promise((r) => setImmediate(r));
  return text.trim().split('\n');
}

const escapedOnce = JSON.stringify(PASSWORD).slice(1, -1);
const escapedTwice = JSON.stringify(escapedOnce).slice(1, -1);

describe('SecretScrubber', () => {
  it('removes a password with JSON-escaped characters from a JSON log line (message and fields) and keeps it valid JSON', async () => {
    const scrubber = new SecretScrubber().addUrlPassword(`postgres://u:${encodeURIComponent(PASSWORD)}@db.example/app`);
    const [line] = await logLines(scrubber, (log) => log.warn({ error: `auth failed for ${PASSWORD}` }, `message with ${PASSWORD}`));
    expect(line).not.toContain(escapedOnce);
    expect(line).not.toContain('0b6f1c');
    const parsed = JSON.parse(line ?? '{}');
    expect({ error: parsed.error, msg: parsed.msg }).toEqual({ error: 'auth failed for [REDACTED]', msg: 'message with [REDACTED]' });
  });

  it('removes it from JSON carried as a string inside a JSON field (escaped twice)', async () => {
    const scrubber = new SecretScrubber().add(PASSWORD);
    const inner = JSON.stringify({ reason: `login with ${PASSWORD} refused` });
    const [line] = await logLines(scrubber, (log) => log.info({ body: inner }, 'upstream said'));
    expect(line).not.toContain(escapedTwice);
    expect(line).not.toContain('0b6f1c');
    expect(JSON.parse(JSON.parse(line ?? '{}').body)).toEqual({ reason: 'login with [REDACTED] refused' });
  });

  it('scrubValue returns the same shape with the secret replaced in every string', () => {
    const scrubber = new SecretScrubber().add(PASSWORD);
    expect(scrubber.scrubValue({ a: [`x ${PASSWORD} y`], b: { c: PASSWORD }, n: 3 })).toEqual({
      a: ['x [REDACTED] y'],
      b: { c: '[REDACTED]' },
      n: 3,
    });
  });

  it('replaces an escaped form whole even when the raw secret sits inside it (no dangling backslash)', () => {
    const secret = '\\b-secret-77e2'; // raw `\b-secret-77e2` is a substring of its escaped form `\\b-secret-77e2`
    const scrubber = new SecretScrubber().add(secret);
    const json = JSON.stringify({ message: `key ${secret}` });
    expect(scrubber.scrub(json)).toBe('{"message":"key [REDACTED]"}');
  });

  it('registers a URL password that is not valid percent-encoding as written', () => {
    const scrubber = new SecretScrubber().addUrlPassword('postgres://u:pa%zz-41c9d2@db.example/app');
    expect(scrubber.scrub('connect with pa%zz-41c9d2 refused')).toBe('connect with [REDACTED] refused');
  });

  it('registers a percent-encoded URL password both as written and decoded', () => {
    const scrubber = new SecretScrubber().addUrlPassword('postgres://u:p%2Fw%40rd-9a1e@db.example/app');
    expect(scrubber.scrub('a p/w@rd-9a1e b p%2Fw%40rd-9a1e')).toBe('a [REDACTED] b [REDACTED]');
  });
});
