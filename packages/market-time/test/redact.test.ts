/** The one redaction rule every package uses: the marker, short secrets as whole tokens, credentials by their place. */
import { describe, expect, it } from 'vitest';
import {
  isSecretFieldName,
  REDACT_INSIDE_WORDS_MIN_LENGTH,
  REDACTED,
  redactCredentials,
  redactFields,
  redactSecret,
  redactText,
} from '../src/redact/index.js';

describe('redactSecret', () => {
  it('replaces a long secret everywhere, a short one only as a whole token', () => {
    const long = 'k'.repeat(REDACT_INSIDE_WORDS_MIN_LENGTH);
    expect(redactSecret(`a${long}b ${long}`, long)).toBe(`a${REDACTED}b ${REDACTED}`);
    expect(redactSecret('/v2/aggs/ticker/AAPL tick', 'tick')).toBe(`/v2/aggs/ticker/AAPL ${REDACTED}`);
    expect(redactSecret('nothing to do', undefined)).toBe('nothing to do');
    expect(redactSecret('nothing to do', '')).toBe('nothing to do');
  });
});

describe('redactText', () => {
  it('each secret (the longest first), then credentials by their place', () => {
    const outer = 'outer-secret-123';
    expect(redactText(`x ${outer} y ?token=abc host=db password='p w'`, 'secret', outer)).toBe(
      `x ${REDACTED} y ?token=${REDACTED} host=db password=${REDACTED}`,
    );
    expect(redactText(`connect postgres://bob:pw@db:5432/x failed`)).toBe(`connect postgres://bob:${REDACTED}@db:5432/x failed`);
  });
});

describe('redactFields and redactCredentials', () => {
  it('fields named like key/password/token at any depth', () => {
    const key = `test-key-${Math.random().toString(36).slice(2)}`;
    const scrubbed = redactFields({
      api_key: key,
      apiKey: key,
      nested: { password: 'p', db_password: 'p', accessToken: 't', token: 't', list: [{ secret: 's' }] },
      universe_key: 'DIA',
      symbol: 'AAPL',
      monkey: 'ok',
    });
    expect(scrubbed).toEqual({
      api_key: REDACTED,
      apiKey: REDACTED,
      nested: {
        password: REDACTED,
        db_password: REDACTED,
        accessToken: REDACTED,
        token: REDACTED,
        list: [{ secret: REDACTED }],
      },
      universe_key: 'DIA',
      symbol: 'AAPL',
      monkey: 'ok',
    });
    expect(JSON.stringify(scrubbed)).not.toContain(key);
  });

  it('credentials inside text: apiKey query parameters, Bearer tokens, URL passwords', () => {
    const key = `test-key-${Math.random().toString(36).slice(2)}`;
    const text = redactCredentials(
      `GET https://api.massive.com/v2/aggs?apiKey=${key}&limit=5 with Bearer ${key} via redis://:${key}@host:6379`,
    );
    expect(text).not.toContain(key);
    expect(text).toBe(
      'GET https://api.massive.com/v2/aggs?apiKey=[REDACTED]&limit=5 with Bearer [REDACTED] via redis://:[REDACTED]@host:6379',
    );
  });

  it('names', () => {
    expect(['key', 'api_key', 'API_KEY', 'x-api-key', 'password', 'refresh_token', 'clientSecret'].every(isSecretFieldName)).toBe(true);
    expect(['universe_key', 'symbol', 'monkey', 'keyboard', 'tokens_used'].some(isSecretFieldName)).toBe(false);
  });
});
