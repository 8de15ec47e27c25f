#!/usr/bin/env node
/**
 * The README snippets, checked as a consumer sees them: every ```ts / ```typescript block of the root README and the
 * package READMEs is written to a file in the consumer project `scripts/pack-check.sh` installs the packed
 * tarballs into, type-checked there with `tsc --strict --noEmit` WITHOUT `skipLibCheck` (so the packages' published
 * .d.ts files are checked too), and the blocks marked `<!-- snippet:run -->` are run against the API simulator and an
 * embedded database (no server, no key, no network).
 *
 *   node scripts/snippets/readme-snippets.mjs prepare <app-dir>   writes the snippets and tsconfigs; prints the extra
 *                                                                  packages the snippets import (name@version, for npm)
 *   node scripts/snippets/readme-snippets.mjs check <app-dir>     type-checks (NodeNext and Bundler), then runs
 *
 * Markers, on the line right above a block's opening fence (HTML comments: invisible on GitHub and npm):
 *   <!-- snippet:run -->            also run it (it must end by itself, without Redis, PostgreSQL or a real API key)
 *   <!-- snippet:skip <reason> -->  not compiled (a fragment that cannot be made to compile); the reason is required
 *
 * TypeScript is the root's pinned devDependency; @types/node is the version the root lockfile installed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const READMES = [
  'README.md',
  ...readdirSync(join(root, 'packages'))
    .sort()
    .map((p) => `packages/${p}/README.md`),
].filter((f) => existsSync(join(root, f)));
const TYPESCRIPT_VERSION = '5.9.3';
const DIR = 'readme-snippets';
const RUN_TIMEOUT_MS = 180_000;

const fail = (message) => {
  console.error(`readme-snippets: ${message}`);
  process.exit(1);
};

/** Every ```ts block of one README: { readme, index (1-based among its ts blocks), line (of the fence), heading, code, mode }. */
function extract(readme) {
  const lines = readFileSync(join(root, readme), 'utf8').split('\n');
  const blocks = [];
  let heading = '(top)';
  let fence = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (fence) {
      if (fence.close.test(line)) {
        if (fence.block) blocks.push({ ...fence.block, code: fence.body.join('\n') });
        fence = null;
      } else fence.body.push(line);
      continue;
    }
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(line);
    if (!open) {
      if (/^#{1,6} /.test(line)) heading = line.replace(/^#+ /, '').trim();
      continue;
    }
    const lang = open[3].toLowerCase();
    const isTs = lang === 'ts' || lang === 'typescript';
    let mode = 'check';
    let reason;
    // The marker: the closest non-blank line above the fence.
    let j = i - 1;
    while (j >= 0 && lines[j].trim() === '') j--;
    const marker = j >= 0 ? /^<!--\s*snippet:(\S+)\s*(.*?)\s*-->\s*$/.exec(lines[j].trim()) : null;
    if (marker) {
      if (!isTs) fail(`${readme}:${j + 1}: a snippet marker above a \`${lang || 'plain'}\` block (only ts blocks are checked)`);
      if (marker[1] === 'run') mode = 'run';
      else if (marker[1] === 'skip') {
        if (!marker[2]) fail(`${readme}:${j + 1}: <!-- snippet:skip --> needs a reason`);
        mode = 'skip';
        reason = marker[2];
      } else fail(`${readme}:${j + 1}: unknown marker snippet:${marker[1]} (use snippet:run or snippet:skip <reason>)`);
    }
    // Closed by a run of the same character at least as long, and nothing else (CommonMark).
    const close = new RegExp(`^\\s*${open[2][0]}{${open[2].length},}\\s*$`);
    fence = { close, body: [], block: isTs ? { readme, line: i + 1, heading, mode, reason } : null };
  }
  if (fence) fail(`${readme}:${fence.block?.line ?? '?'}: a code block is never closed`);
  return blocks.map((b, k) => ({ ...b, index: k + 1 }));
}

const slug = (readme) => (readme === 'README.md' ? 'root' : readme.split('/')[1]);
const fileOf = (b) => `${slug(b.readme)}-${b.index}.mts`;
const describe = (b) => `${b.readme} ts block ${b.index} (line ${b.line}, under "${b.heading}")`;

/** The workspace's publishable packages: name, export subpaths, and every dependency range they declare. */
function workspacePackages() {
  return readdirSync(join(root, 'packages'))
    .sort()
    .map((dir) => JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')))
    .filter((p) => !p.private);
}

function prepare(app) {
  const out = join(app, DIR);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const packages = workspacePackages();
  const ours = new Set(packages.map((p) => p.name));
  const versions = new Map();
  for (const p of packages)
    for (const deps of [p.dependencies, p.peerDependencies])
      for (const [name, range] of Object.entries(deps ?? {})) if (!ours.has(name)) versions.set(name, range);
  // A peer's range (ioredis ^6.0.0, bottleneck ^2.19.5) would install whatever is newest: the snippets are checked
  // against the version we build and test with, the exact devDependency next to the peer.
  const tested = new Map();
  for (const p of packages)
    for (const [name, version] of Object.entries(p.devDependencies ?? {}))
      if (versions.has(name) && /^\d/.test(version)) tested.set(name, version);

  const blocks = READMES.flatMap(extract);
  const extra = new Map();
  const rootRequire = createRequire(join(root, 'package.json'));
  extra.set('@types/node', rootRequire('@types/node/package.json').version);
  for (const b of blocks) {
    if (b.mode === 'skip') continue;
    writeFileSync(join(out, fileOf(b)), `${b.code}\n`);
    // What a snippet imports, its reader installs: our packages, or a package one of them depends on (same version).
    const imports =
      /(?:^|[\s;])(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*\(?\s*['"]([^'"]+)['"]|\brequire\(\s*['"]([^'"]+)['"]/gm;
    for (const m of b.code.matchAll(imports)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (!spec || spec.startsWith('node:') || spec.startsWith('.')) continue;
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      if (ours.has(name)) continue;
      if (!versions.has(name)) fail(`${describe(b)} imports '${spec}', which no TickStock package depends on`);
      extra.set(name, tested.get(name) ?? versions.get(name));
    }
  }

  // Every public entry point, through import (.d.ts) and require (.d.cts): each declaration file is checked even
  // when no snippet uses it.
  const entries = packages.flatMap((p) =>
    Object.keys(p.exports ?? { '.': null })
      .filter((k) => k !== './package.json')
      .map((k) => `${p.name}${k.slice(1)}`),
  );
  writeFileSync(
    join(out, 'surface.mts'),
    `${entries.map((e, i) => `import * as e${i} from '${e}';`).join('\n')}\nexport { ${entries.map((_, i) => `e${i}`).join(', ')} };\n`,
  );
  writeFileSync(
    join(out, 'surface.cts'),
    `${entries.map((e, i) => `import e${i} = require('${e}');`).join('\n')}\nexport { ${entries.map((_, i) => `e${i}`).join(', ')} };\n`,
  );

  const common = { strict: true, noEmit: true, skipLibCheck: false, target: 'ES2022', types: ['node'], pretty: false };
  const tsconfigs = {
    // Node: NodeNext resolution (package.json `exports` conditions), no DOM library.
    'tsconfig.nodenext.json': {
      compilerOptions: { ...common, module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'] },
      include: ['*.mts', '*.cts'],
    },
    // A bundler (Vite, esbuild, webpack): Bundler resolution, the default libraries (DOM included).
    'tsconfig.bundler.json': {
      compilerOptions: { ...common, module: 'ESNext', moduleResolution: 'Bundler' },
      include: ['*.mts'],
    },
    // Only to turn the runnable snippets into JavaScript, after the checks above passed.
    'tsconfig.run.json': {
      compilerOptions: { ...common, module: 'NodeNext', moduleResolution: 'NodeNext', noEmit: false, skipLibCheck: true, outDir: 'out' },
      files: blocks.filter((b) => b.mode === 'run').map(fileOf),
    },
  };
  for (const [file, config] of Object.entries(tsconfigs)) writeFileSync(join(out, file), `${JSON.stringify(config, null, 2)}\n`);
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify({ blocks: blocks.map((b) => ({ ...b, file: fileOf(b) })) }, null, 2)}\n`);

  for (const readme of READMES) {
    const mine = blocks.filter((b) => b.readme === readme);
    const count = (m) => mine.filter((b) => b.mode === m).length;
    console.error(
      `readme-snippets: ${readme}: ${mine.length} ts block(s): ${mine.length - count('skip')} type-checked (${count('run')} also run), ${count('skip')} skipped`,
    );
    for (const b of mine.filter((x) => x.mode === 'skip')) console.error(`  skipped: ${describe(b)}: ${b.reason}`);
  }
  // For npm: the packages the snippets import besides ours, at the versions our packages use.
  console.log([...extra].map(([n, v]) => `${n}@${v}`).join('\n'));
}

/** Runs a command; resolves { code, output (stdout and stderr together), stdout }, killing it after timeoutMs. */
function exec(command, args, { cwd, env, timeoutMs } = {}) {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let stdout = '';
    child.stdout.on('data', (d) => {
      output += d;
      stdout += d;
    });
    child.stderr.on('data', (d) => (output += d));
    let timedOut = false;
    const timer = timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, timeoutMs)
      : undefined;
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const status = timedOut ? `no end after ${timeoutMs / 1000} s (killed)` : (code ?? signal);
      done({ code: status, output, stdout });
    });
  });
}

async function check(app) {
  const out = join(app, DIR);
  const { blocks } = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  const byFile = new Map(blocks.map((b) => [b.file, b]));
  const tsPackage = join(root, 'node_modules/typescript/package.json');
  const tsVersion = JSON.parse(readFileSync(tsPackage, 'utf8')).version;
  if (tsVersion !== TYPESCRIPT_VERSION) fail(`the root's typescript is ${tsVersion}, expected the pinned ${TYPESCRIPT_VERSION}`);
  const tsc = join(root, 'node_modules/typescript/bin/tsc');

  // Both resolutions at once (each is a full program over every package's declarations).
  const configs = ['tsconfig.nodenext.json', 'tsconfig.bundler.json'];
  const results = await Promise.all(configs.map((c) => exec(process.execPath, [tsc, '-p', join(out, c)], { cwd: out })));
  const failing = new Map();
  let errors = 0;
  results.forEach(({ code, output }, i) => {
    if (code === 0) return;
    const label = configs[i].replace(/^tsconfig\.|\.json$/g, '');
    for (const line of output.split('\n')) {
      const m = /^(.+?)\((\d+),(\d+)\): (error|warning) (TS\d+): (.*)$/.exec(line);
      if (!m) {
        if (line.trim()) console.error(`    ${line.trim()}`);
        continue;
      }
      errors++;
      const [, file, row, col, , code_, message] = m;
      const block = byFile.get(file);
      let where;
      if (block) {
        where = `${block.readme}:${block.line + Number(row)}:${col} (ts block ${block.index}, under "${block.heading}")`;
        failing.set(describe(block), true);
      } else if (file.startsWith('surface.')) {
        where = `the packages' public types (${file}, line ${row}: ${readFileSync(join(out, file), 'utf8').split('\n')[row - 1]})`;
        failing.set(`the packages' public types, via ${file}`, true);
      } else {
        const pkg = [...file.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].at(-1)?.[1] ?? file;
        where = `${relative(out, resolve(out, file))}(${row},${col}) [declarations of ${pkg}]`;
        failing.set(`the published declarations of ${pkg}`, true);
      }
      console.error(`  [${label}] ${where}: ${code_}: ${message}`);
    }
  });
  if (errors) {
    console.error(`readme-snippets: ${errors} type error(s) (tsc ${tsVersion} --strict, no skipLibCheck) in:`);
    for (const what of failing.keys()) console.error(`  - ${what}`);
    process.exit(1);
  }
  const checked = blocks.filter((b) => b.mode !== 'skip').length;
  console.log(
    `pack-check: ${checked} README snippets and every public entry point type-check (tsc ${tsVersion} --strict, NodeNext and Bundler, no skipLibCheck)`,
  );

  const runnable = blocks.filter((b) => b.mode === 'run');
  if (!runnable.length) return;
  const emitted = await exec(process.execPath, [tsc, '-p', join(out, 'tsconfig.run.json')], { cwd: out });
  if (emitted.code !== 0) fail(`could not compile the runnable snippets:\n${emitted.output}`);
  // The simulator from the installed tarball stands in for the Massive API.
  const appRequire = createRequire(join(app, 'package.json'));
  const { startSimulator } = appRequire('@tickstock/massive-simulator');
  const apiKey = 'readme-snippet-key';
  const sim = await startSimulator({ seed: 1, apiKey });
  try {
    for (const b of runnable) {
      const cwd = join(out, 'run', b.file.replace(/\.mts$/, ''));
      mkdirSync(cwd, { recursive: true });
      // No server is reachable from a snippet: only the simulator, and an embedded database in its own directory.
      const env = {
        PATH: process.env.PATH,
        HOME: cwd,
        TZ: process.env.TZ ?? 'UTC',
        MASSIVE_API_KEY: apiKey,
        MASSIVE_API_BASE_URL: sim.url,
      };
      const started = Date.now();
      const { code, output, stdout } = await exec(process.execPath, [join(out, 'out', b.file.replace(/\.mts$/, '.mjs'))], {
        cwd,
        env,
        timeoutMs: RUN_TIMEOUT_MS,
      });
      if (code !== 0) {
        console.error(output.trimEnd().split('\n').slice(-40).join('\n'));
        fail(`${describe(b)} failed when run: ${typeof code === 'number' ? `exit code ${code}` : code}`);
      }
      const last = stdout.trimEnd().split('\n').at(-1)?.trim();
      console.log(
        `pack-check: ran ${describe(b)} in ${((Date.now() - started) / 1000).toFixed(1)} s${last ? `: ${last.slice(0, 100)}` : ''}`,
      );
    }
  } finally {
    await sim.close();
  }
}

const [command, app] = process.argv.slice(2);
if (!app || !['prepare', 'check'].includes(command)) fail('usage: readme-snippets.mjs prepare|check <app-dir>');
if (command === 'prepare') prepare(resolve(app));
else await check(resolve(app));
