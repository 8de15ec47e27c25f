/**
 * A package's public API as its consumers see it: every name a published entry's type declarations (`dist/*.d.ts`)
 * export, with its kind, one per line, sorted. Each package keeps these in `api/*.api.txt` and a test compares
 * (`toMatchFileSnapshot`), so a change of the surface shows in review and a changeset has something to describe.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/** What a symbol is, in the words of the declaration that made it. */
function kindOf(symbol: ts.Symbol): string {
  const f = symbol.flags;
  const kinds: string[] = [];
  if (f & ts.SymbolFlags.Class) kinds.push('class');
  else if (f & ts.SymbolFlags.Function) kinds.push('function');
  else if (f & ts.SymbolFlags.Enum) kinds.push('enum');
  else if (f & ts.SymbolFlags.Variable) kinds.push('const');
  if (f & ts.SymbolFlags.Interface) kinds.push('interface');
  if (f & ts.SymbolFlags.TypeAlias) kinds.push('type');
  if (f & (ts.SymbolFlags.ValueModule | ts.SymbolFlags.NamespaceModule)) kinds.push('namespace');
  return kinds.length ? kinds.join('+') : 'unknown';
}

/** The export list of `declarationFile` (a built `.d.ts`): `kind name` per line, sorted by name. */
export function apiSurface(declarationFile: string): string {
  if (!existsSync(declarationFile)) throw new Error(`${declarationFile} is missing: build the package first (pnpm build)`);
  const program = ts.createProgram([declarationFile], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(declarationFile);
  const module = source && checker.getSymbolAtLocation(source);
  if (!module) throw new Error(`${declarationFile} is not a module`);
  const lines = checker.getExportsOfModule(module).map((exported) => {
    const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    return { name: exported.name, line: `${kindOf(target)} ${exported.name}` };
  });
  lines.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return `${lines.map((l) => l.line).join('\n')}\n`;
}

/**
 * The API-surface test of the package whose test file is `testFileUrl` (`import.meta.url`): one case per published
 * entry of its `package.json` `exports` (the ESM types file), compared with `api/<entry>.api.txt` (`index` for `.`,
 * else the subpath: `./schemas` → `api/schemas.api.txt`). An entry added or removed in `exports` adds or removes its
 * case. A change of a file is a change for users: update it (`vitest -u`, after building) and say it in a changeset.
 */
export function describePublishedApi(testFileUrl: string): void {
  const packageDir = new URL('../', testFileUrl);
  const manifest = JSON.parse(readFileSync(new URL('package.json', packageDir), 'utf8')) as {
    name: string;
    exports: Record<string, string | { import?: { types?: string } }>;
  };
  describe(`the published API surface of ${manifest.name}`, () => {
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      const types = typeof target === 'object' ? target.import?.types : undefined;
      if (!types) continue; // ./package.json
      const entry = subpath === '.' ? 'index' : subpath.slice(2).replaceAll('/', '-');
      it(`${subpath}: exactly the names in api/${entry}.api.txt`, async () => {
        const snapshot = fileURLToPath(new URL(`api/${entry}.api.txt`, packageDir));
        await expect(apiSurface(fileURLToPath(new URL(types, packageDir)))).toMatchFileSnapshot(snapshot);
      });
    }
  });
}
