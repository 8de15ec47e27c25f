/**
 * The published API of @tickstock/massive-client, entry by entry: every exported name of the built type declarations with its
 * kind, compared with `api/*.api.txt`. A change here is a change for users: update the file (`vitest -u`) and say
 * it in a changeset.
 */
import { fileURLToPath } from 'node:url';
import { apiSurface } from '@tickstock/test-support';
import { describe, expect, it } from 'vitest';

const dist = (file: string) => fileURLToPath(new URL(`../dist/${file}`, import.meta.url));

describe('the published API surface', () => {
  it('index: exactly the names in api/index.api.txt', async () => {
    await expect(apiSurface(dist('index.d.ts'))).toMatchFileSnapshot('../api/index.api.txt');
  });
  it('simulator: exactly the names in api/simulator.api.txt', async () => {
    await expect(apiSurface(dist('simulator.d.ts'))).toMatchFileSnapshot('../api/simulator.api.txt');
  });
});
