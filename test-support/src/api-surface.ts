/**
 * A package's public API as its consumers see it: every name a published entry's type declarations (`dist/*.d.ts`)
 * export, with its kind, one per line, sorted. Each package keeps these in `api/*.api.txt` and a test compares
 * (`toMatchFileSnapshot`), so a change of the surface shows in review and a changeset has something to describe.
 */
import { existsSync } from 'node:fs';
import ts from 'typescript';

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
