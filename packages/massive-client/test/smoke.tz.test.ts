import { describe, expect, inject, it } from 'vitest';

describe('test harness', () => {
  it('runs under the project time zone and has services provided', () => {
    expect(process.env.TZ).toBeTruthy();
    expect(inject('databaseUrl')).toMatch(/^postgres/);
  });
});
