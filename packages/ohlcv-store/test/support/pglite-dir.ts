/**
 * Fresh PGlite data directories for tests. initdb in WASM takes several seconds, so it runs once per machine into a
 * template directory (keyed by the PGlite version) and each test gets a copy of it.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

const require = createRequire(import.meta.url);
const packageJson = join(dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json');
const version: string = JSON.parse(readFileSync(packageJson, 'utf8')).version;
const templateDir = join(tmpdir(), `tickstock-pglite-template-${version}`);

async function exists(p: string): Promise<boolean> {
  try {
    await stat(join(p, 'PG_VERSION'));
    return true;
  } catch {
    return false;
  }
}

async function ensureTemplate(): Promise<string> {
  if (await exists(templateDir)) return templateDir;
  const building = `${templateDir}.building-${process.pid}-${randomBytes(4).toString('hex')}`;
  await mkdir(building, { recursive: true });
  const db = await PGlite.create({ dataDir: building });
  await db.close();
  try {
    await rename(building, templateDir);
  } catch {
    await rm(building, { recursive: true, force: true }); // another process won the race
  }
  return templateDir;
}

/** A new, empty PGlite data directory (a copy of the template) and a function removing it. */
export async function freshPgliteDir(): Promise<{ dataDir: string; remove(): Promise<void> }> {
  const template = await ensureTemplate();
  const parent = await mkdtemp(join(tmpdir(), 'tickstock-pglite-'));
  const dataDir = join(parent, 'data');
  await cp(template, dataDir, { recursive: true });
  return { dataDir, remove: () => rm(parent, { recursive: true, force: true }) };
}
