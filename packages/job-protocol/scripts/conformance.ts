/** Regenerates packages/job-protocol/conformance/ from the zod schemas and the example messages. */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { conformanceFiles } from '../src/conformance/catalog.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'conformance');
for (const dir of ['schemas', 'examples']) rmSync(join(root, dir), { recursive: true, force: true });
const files = conformanceFiles();
for (const [path, content] of Object.entries(files)) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}
console.log(`conformance: wrote ${Object.keys(files).length} files to ${root} (${readdirSync(join(root, 'schemas')).length} schemas)`);
