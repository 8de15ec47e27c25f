/** The text scanner of bar pages gives exactly what JSON.parse + barsPageSchema give, or gives up. */
import { barsFromColumns } from '@tickstock/market-time';
import { describe, expect, it } from 'vitest';
import { barsPageSchema } from '../src/decode-bars.js';
import { DecodedBarResults, decodeBarsPageText } from '../src/decode-bars-text.js';

const plain = (text: string) => barsPageSchema.parse(JSON.parse(text));
const fast = (text: string) => {
  const body = decodeBarsPageText(text);
  return body === undefined ? undefined : barsPageSchema.parse(body);
};
const same = (text: string) => {
  const f = fast(text);
  expect(f).toBeDefined();
  const p = plain(text);
  expect({ ...f, results: f?.results && barsFromColumns(f.results) }).toEqual({ ...p, results: p.results && barsFromColumns(p.results) });
  // Bit for bit (-0, last digits).
  const bytes = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  for (const k of ['timestamp', 'open', 'high', 'low', 'close', 'volume', 'vwap', 'transactions'] as const)
    expect(bytes(f?.results?.[k] as Float64Array).equals(bytes(p.results?.[k] as Float64Array))).toBe(true);
};

describe('decodeBarsPageText', () => {
  it('decodes numbers exactly as JSON.parse (random decimals, exponents, long digits, -0)', () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const nums = [
      '0',
      '-0',
      '1e3',
      '1E-7',
      '123456789012345678',
      '0.1',
      '0.30000000000000004',
      '1.7976931348623157e308',
      '5e-324',
      '4.35',
      '-12.5e+2',
      '100.0000',
      '0.000001234',
    ];
    for (let k = 0; k < 3000; k++)
      nums.push((rnd() * 10 ** Math.floor(rnd() * 12 - 4)).toFixed(Math.floor(rnd() * 10)), String(rnd() * 1000));
    const rows = nums.map((x, i) => `{"v":${x},"vw":${x},"o":${x},"c":${x},"h":${x},"l":${x},"t":${1_700_000_000_000 + i},"n":${i % 9}}`);
    same(`{"ticker":"AAPL","results":[${rows.join(',')}],"status":"OK","request_id":"r","next_url":"https://x/y?cursor=1"}`);
  });

  it('keeps absent fields absent, otc in three states, whitespace, duplicate keys (last wins), empty results', () => {
    same(
      ' { "status" : "OK" , "results" : [ { "t" : 1 , "o" : 1, "h": 2, "l": 0.5, "c": 1.5 } ,\n{"t":2,"o":1,"h":2,"l":0.5,"c":1.5,"v":0.0312,"otc":true},{"t":3,"t":4,"o":1,"h":2,"l":0.5,"c":1.5,"otc":false} ] } ',
    );
    same('{"status":"OK","results":[],"request_id":"r"}');
    expect(decodeBarsPageText('{"status":"OK","results":[{"t":1,"o":1,"h":2,"l":0.5,"c":1.5}]}')?.results).toBeInstanceOf(
      DecodedBarResults,
    );
  });

  it('gives up on anything else: the plain path then decides (errors unchanged)', () => {
    const ok = '{"t":1,"o":1,"h":2,"l":0.5,"c":1.5}';
    for (const text of [
      `{"status":"OK","results":[${ok},{"t":1,"o":1,"h":"2","l":0.5,"c":1.5}]}`, // a string
      `{"status":"OK","results":[{"t":1,"o":1,"h":2,"l":0.5,"c":1.5,"extra":1}]}`, // unknown field
      `{"status":"OK","results":[{"t":1,"o":1,"h":2,"l":0.5}]}`, // missing close
      `{"status":"OK","results":[{"t":1,"o":1,"h":2,"l":0.5,"c":1e400}]}`, // infinity
      `{"status":"OK","results":[{"t":1,"o":1,"h":2,"l":0.5,"c":01}]}`, // not JSON
      `{"status":"OK","results":[${ok}]`, // truncated
      `{"status":"OK","results":[${ok}],"results":null}`, // a second key
      `{"meta":{"results":[${ok}]},"status":"OK"}`, // nested
      `{"status":"OK","results":[${ok},]}`, // trailing comma
      `{"status":"OK","results":[{"t":1,"o":1,"h":2,"l":0.5,"c":1.5,"otc":1}]}`,
    ])
      expect(decodeBarsPageText(text)).toBeUndefined();
    expect(decodeBarsPageText('{"status":"OK","x":"\\"results\\":[1]","results":null}')).toBeUndefined();
  });
});
