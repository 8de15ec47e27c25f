/**
 * A static check that SQL text is never built from values: every `${...}` in an SQL statement (a template literal or
 * `+` concatenation whose text starts like a statement, e.g. `SELECT ... FROM`) must be one of
 *
 * - an identifier helper call (`ident(...)`, `identList(...)`): names quoted as identifiers;
 * - a placeholder number: `$${n}` with `n` typed as a number;
 * - a constant: a literal, or an expression whose type is a union of literal types (`'date' | 'timestamptz'`, boolean);
 * - an SQL fragment built by this code from the above: a `const`/`let` (every value assigned to it), an array joined
 *   with `.join()` (its literal elements, `.push()` arguments and `.map()` results), a property of an object literal,
 *   or a call of a function of this code (its return values, with the arguments bound to its parameters). A parameter
 *   that is not bound is followed to every call of its function.
 *
 * Anything else, a caller's string or number spliced into SQL text, is reported with its file, line and reason.
 * `allow` lists the few reviewed exceptions (file + expression text + why).
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

export interface SqlFinding {
  /** Path relative to the root given to the audit. */
  file: string;
  line: number;
  /** The interpolated expression as written. */
  expression: string;
  reason: string;
  /** The start of the SQL statement it ends up in. */
  sql: string;
}

export interface AllowedInterpolation {
  /** Path relative to the audit root. */
  file: string;
  /** The expression exactly as written in the source. */
  expression: string;
  /** Why splicing it is safe: reviewed, not assumed. */
  reason: string;
}

export interface SqlAuditOptions {
  /** Functions that quote their argument as an SQL identifier (default `ident`, `identList`). */
  identifierHelpers?: readonly string[];
  allow?: readonly AllowedInterpolation[];
}

const KEYWORDS = 'SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP|COPY|TRUNCATE|MERGE|GRANT|REVOKE|SAVEPOINT|LOCK';
/** Upper-case statement keywords start SQL; lower-case ones only with an SQL clause too (not English prose). */
const STATEMENT_UPPER = new RegExp(`^[\\s(]*(${KEYWORDS})\\s`);
const STATEMENT_ANY_CASE = new RegExp(`^[\\s(]*(${KEYWORDS})\\s`, 'i');
const STATEMENT_BODY = /\b(FROM|INTO|SET|TABLE|WHERE|VALUES|INDEX|EXTENSION|RETURNING|CONFLICT|ROLE|DATABASE)\b/i;
const MAX_DEPTH = 24;

type Bound =
  | { kind: 'expr'; expr: ts.Expression; env: Env }
  /** A callback parameter standing for each element of an array expression. */
  | { kind: 'element'; of: ts.Expression; env: Env }
  | { kind: 'opaque'; why: string };
type Env = ReadonlyMap<ts.Symbol, Bound>;
const EMPTY: Env = new Map();

interface Problem {
  node: ts.Node;
  reason: string;
}

type FunctionLike = ts.FunctionDeclaration | ts.ArrowFunction | ts.FunctionExpression | ts.MethodDeclaration;

function skipOuter(e: ts.Expression): ts.Expression {
  let x = e;
  while (
    ts.isParenthesizedExpression(x) ||
    ts.isAsExpression(x) ||
    ts.isNonNullExpression(x) ||
    ts.isSatisfiesExpression(x) ||
    ts.isTypeAssertionExpression(x)
  ) {
    x = x.expression;
  }
  return x;
}

function isFunctionLike(n: ts.Node | undefined): n is FunctionLike {
  return !!n && (ts.isFunctionDeclaration(n) || ts.isArrowFunction(n) || ts.isFunctionExpression(n) || ts.isMethodDeclaration(n));
}

/** The expressions a function can return (a concise arrow body, or every `return` not inside a nested function). */
function returnedExpressions(fn: FunctionLike): ts.Expression[] {
  const body = fn.body;
  if (!body) return [];
  if (!ts.isBlock(body)) return [body];
  const out: ts.Expression[] = [];
  const visit = (n: ts.Node) => {
    if (isFunctionLike(n) || ts.isClassLike(n)) return;
    if (ts.isReturnStatement(n) && n.expression) out.push(n.expression);
    ts.forEachChild(n, visit);
  };
  ts.forEachChild(body, visit);
  return out;
}

/** Stands for an interpolated value in a statement's literal text. */
const HOLE = ' ? ';

/** Literal text of a statement candidate (template parts or concatenated literals), for recognising SQL. */
function literalText(e: ts.Expression): string | undefined {
  const x = skipOuter(e);
  if (ts.isStringLiteral(x) || ts.isNoSubstitutionTemplateLiteral(x)) return x.text;
  if (ts.isTemplateExpression(x)) return x.head.text + x.templateSpans.map((s) => HOLE + s.literal.text).join('');
  if (ts.isBinaryExpression(x) && x.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    return (literalText(x.left) ?? HOLE) + (literalText(x.right) ?? HOLE);
  }
  return undefined;
}

function looksLikeStatement(text: string): boolean {
  return STATEMENT_UPPER.test(text) || (STATEMENT_ANY_CASE.test(text) && STATEMENT_BODY.test(text));
}

class Auditor {
  private readonly checker: ts.TypeChecker;
  private readonly helpers: ReadonlySet<string>;
  private callSites: Map<ts.Node, ts.CallExpression[]> | undefined;
  /** Symbols being followed on the current path (a `let` assigned from itself, recursion). */
  private readonly active = new Set<ts.Symbol>();

  constructor(
    program: ts.Program,
    private readonly files: readonly ts.SourceFile[],
    helpers: readonly string[],
  ) {
    this.checker = program.getTypeChecker();
    this.helpers = new Set(helpers);
  }

  /** Every SQL statement root in `sf` with the problems of its interpolations. */
  audit(sf: ts.SourceFile): { root: ts.Expression; problems: Problem[] }[] {
    const out: { root: ts.Expression; problems: Problem[] }[] = [];
    const visit = (n: ts.Node) => {
      if (ts.isTemplateExpression(n) || (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.PlusToken)) {
        const parentIsConcat =
          ts.isBinaryExpression(n.parent) && n.parent.operatorToken.kind === ts.SyntaxKind.PlusToken && ts.isBinaryExpression(n);
        const text = literalText(n);
        if (!parentIsConcat && text !== undefined && looksLikeStatement(text)) {
          out.push({ root: n, problems: this.safe(n, EMPTY, 0) });
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
    return out;
  }

  private symbolOf(node: ts.Node): ts.Symbol | undefined {
    let s = this.checker.getSymbolAtLocation(node);
    if (s && s.flags & ts.SymbolFlags.Alias) s = this.checker.getAliasedSymbol(s);
    return s;
  }

  private inProject(decl: ts.Node): boolean {
    const sf = decl.getSourceFile();
    return !sf.isDeclarationFile && this.files.includes(sf);
  }

  /** A type that can only hold constants written in the code (literal types and unions of them, booleans). */
  private isConstantType(e: ts.Expression): boolean {
    const t = this.checker.getTypeAtLocation(e);
    const constant = (x: ts.Type): boolean =>
      x.isUnion()
        ? x.types.every(constant)
        : (x.flags &
            (ts.TypeFlags.StringLiteral |
              ts.TypeFlags.NumberLiteral |
              ts.TypeFlags.BooleanLiteral |
              ts.TypeFlags.EnumLiteral |
              ts.TypeFlags.Undefined |
              ts.TypeFlags.Null)) !==
          0;
    return constant(t);
  }

  private isNumber(e: ts.Expression): boolean {
    const t = this.checker.getTypeAtLocation(e);
    return (t.flags & ts.TypeFlags.NumberLike) !== 0;
  }

  private functionOf(callee: ts.Expression): FunctionLike | undefined {
    const sym = this.symbolOf(ts.isPropertyAccessExpression(callee) ? callee.name : callee);
    const decl = sym?.valueDeclaration ?? sym?.declarations?.[0];
    if (!decl || !this.inProject(decl)) return undefined;
    if (isFunctionLike(decl)) return decl;
    if (ts.isVariableDeclaration(decl) && decl.initializer) {
      const init = skipOuter(decl.initializer);
      if (isFunctionLike(init)) return init;
    }
    return undefined;
  }

  /** Binds a function's parameters to a call's arguments (or their defaults). */
  private bind(fn: FunctionLike, args: readonly ts.Expression[], env: Env): Env {
    const out = new Map(env);
    fn.parameters.forEach((p, i) => {
      const arg = args[i];
      const bindName = (name: ts.BindingName, bound: Bound) => {
        if (ts.isIdentifier(name)) {
          const s = this.checker.getSymbolAtLocation(name);
          if (s) out.set(s, bound);
        } else {
          for (const el of name.elements) if (!ts.isOmittedExpression(el)) bindName(el.name, { kind: 'opaque', why: 'destructured' });
        }
      };
      if (arg) bindName(p.name, { kind: 'expr', expr: arg, env });
      else if (p.initializer) bindName(p.name, { kind: 'expr', expr: p.initializer, env: out });
      else bindName(p.name, { kind: 'opaque', why: `parameter ${p.name.getText()} is not passed` });
    });
    return out;
  }

  private sites(fn: FunctionLike): ts.CallExpression[] {
    if (!this.callSites) {
      const index = new Map<ts.Node, ts.CallExpression[]>();
      for (const sf of this.files) {
        const visit = (n: ts.Node) => {
          if (ts.isCallExpression(n)) {
            const target = this.functionOf(n.expression);
            if (target) index.set(target, [...(index.get(target) ?? []), n]);
          }
          ts.forEachChild(n, visit);
        };
        visit(sf);
      }
      this.callSites = index;
    }
    return this.callSites.get(fn) ?? [];
  }

  /** Everything assigned to a variable: its initializer and every `x = ...` in its file. */
  private assignedValues(decl: ts.VariableDeclaration, sym: ts.Symbol): ts.Expression[] {
    const out: ts.Expression[] = decl.initializer ? [decl.initializer] : [];
    const visit = (n: ts.Node) => {
      if (
        ts.isBinaryExpression(n) &&
        (n.operatorToken.kind === ts.SyntaxKind.EqualsToken || n.operatorToken.kind === ts.SyntaxKind.PlusEqualsToken) &&
        ts.isIdentifier(n.left) &&
        this.checker.getSymbolAtLocation(n.left) === sym
      ) {
        out.push(n.right);
      }
      ts.forEachChild(n, visit);
    };
    visit(decl.getSourceFile());
    return out;
  }

  /** Arguments of every `x.push(...)` / `x.unshift(...)` on the array variable `sym`. */
  private pushedValues(sf: ts.SourceFile, sym: ts.Symbol): ts.Expression[] {
    const out: ts.Expression[] = [];
    const visit = (n: ts.Node) => {
      if (
        ts.isCallExpression(n) &&
        ts.isPropertyAccessExpression(n.expression) &&
        ['push', 'unshift'].includes(n.expression.name.text) &&
        ts.isIdentifier(n.expression.expression) &&
        this.checker.getSymbolAtLocation(n.expression.expression) === sym
      ) {
        out.push(...n.arguments);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
    return out;
  }

  /** Problems of a value that ends up in SQL text. */
  safe(e0: ts.Expression, env: Env, depth: number): Problem[] {
    if (depth > MAX_DEPTH) return [{ node: e0, reason: 'too deep to follow' }];
    const e = skipOuter(e0);
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e) || ts.isNumericLiteral(e)) return [];
    if (ts.isTemplateExpression(e)) {
      const problems: Problem[] = [];
      let before = e.head.text;
      for (const span of e.templateSpans) {
        if (before.endsWith('$')) {
          if (!this.isNumber(span.expression))
            problems.push({ node: span.expression, reason: 'a placeholder number that is not a number' });
        } else {
          problems.push(...this.safe(span.expression, env, depth + 1));
        }
        before = span.literal.text;
      }
      return problems;
    }
    if (ts.isConditionalExpression(e)) return [...this.safe(e.whenTrue, env, depth + 1), ...this.safe(e.whenFalse, env, depth + 1)];
    if (ts.isBinaryExpression(e)) {
      const op = e.operatorToken.kind;
      if (op === ts.SyntaxKind.PlusToken || op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.BarBarToken) {
        return [...this.safe(e.left, env, depth + 1), ...this.safe(e.right, env, depth + 1)];
      }
    }
    if (ts.isIdentifier(e)) return this.identifier(e, env, depth);
    if (this.isConstantType(e)) return [];
    if (ts.isCallExpression(e)) return this.call(e, env, depth);
    if (ts.isPropertyAccessExpression(e)) {
      const values = this.propertyValues(e.expression, e.name.text, env, depth);
      if (values) return values.flatMap(([v, venv]) => this.safe(v, venv, depth + 1));
      return [{ node: e, reason: `${e.getText()} is a value, not an identifier helper or a constant` }];
    }
    return [{ node: e, reason: `${ts.SyntaxKind[e.kind]} spliced into SQL text` }];
  }

  private identifier(e: ts.Identifier, env: Env, depth: number): Problem[] {
    const sym = this.symbolOf(e);
    if (!sym) return [{ node: e, reason: `${e.text} cannot be resolved` }];
    const bound = env.get(sym);
    if (bound) {
      if (bound.kind === 'expr') return this.safe(bound.expr, bound.env, depth + 1);
      if (bound.kind === 'element') return this.elementsSafe(bound.of, bound.env, depth + 1);
      if (this.isConstantType(e)) return [];
      return [{ node: e, reason: `${e.text}: ${bound.why}` }];
    }
    if (this.isConstantType(e)) return [];
    if (this.active.has(sym)) return []; // already being followed: its other values are checked there
    const decl = sym.valueDeclaration;
    if (!decl || !this.inProject(decl)) return [{ node: e, reason: `${e.text} comes from outside this code` }];
    this.active.add(sym);
    try {
      if (ts.isVariableDeclaration(decl)) {
        const values = this.assignedValues(decl, sym);
        if (values.length === 0) return [{ node: e, reason: `${e.text} is never assigned` }];
        return values.flatMap((v) => this.safe(v, env, depth + 1));
      }
      if (ts.isParameter(decl)) {
        const fn = decl.parent;
        if (!isFunctionLike(fn)) return [{ node: e, reason: `parameter ${e.text} of something that is not a function` }];
        const sites = this.sites(fn);
        if (sites.length === 0) return [{ node: e, reason: `parameter ${e.text}: a caller's value (its function is not called here)` }];
        const index = fn.parameters.indexOf(decl);
        return sites.flatMap((call) => {
          const arg = call.arguments[index];
          if (arg) return this.safe(arg, EMPTY, depth + 1);
          if (decl.initializer) return this.safe(decl.initializer, EMPTY, depth + 1);
          return [{ node: call, reason: `parameter ${e.text} is not passed` }];
        });
      }
      return [{ node: e, reason: `${e.text} is not a variable of this code` }];
    } finally {
      this.active.delete(sym);
    }
  }

  private call(e: ts.CallExpression, env: Env, depth: number): Problem[] {
    const callee = skipOuter(e.expression);
    if (ts.isIdentifier(callee) && this.helpers.has(callee.text)) return [];
    if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'join') {
      const sep = e.arguments[0];
      return [...this.elementsSafe(callee.expression, env, depth + 1), ...(sep ? this.safe(sep, env, depth + 1) : [])];
    }
    const fn = this.functionOf(callee);
    if (fn) {
      const inner = this.bind(fn, e.arguments, env);
      const returned = returnedExpressions(fn);
      if (returned.length === 0) return [{ node: e, reason: `${callee.getText()} returns nothing to check` }];
      return returned.flatMap((r) => this.safe(r, inner, depth + 1));
    }
    return [{ node: e, reason: `${callee.getText()}() is neither an identifier helper nor an SQL builder of this code` }];
  }

  private elementsSafe(arr: ts.Expression, env: Env, depth: number): Problem[] {
    const { items, problems } = this.elements(arr, env, depth);
    return [...problems, ...items.flatMap(([x, xenv]) => this.safe(x, xenv, depth + 1))];
  }

  /** The expressions an array can hold. */
  private elements(arr0: ts.Expression, env: Env, depth: number): { items: [ts.Expression, Env][]; problems: Problem[] } {
    const none = (reason: string) => ({ items: [], problems: [{ node: arr0, reason }] });
    if (depth > MAX_DEPTH) return none('too deep to follow');
    const arr = skipOuter(arr0);
    if (ts.isArrayLiteralExpression(arr)) {
      const items: [ts.Expression, Env][] = [];
      const problems: Problem[] = [];
      for (const el of arr.elements) {
        if (ts.isSpreadElement(el)) {
          const inner = this.elements(el.expression, env, depth + 1);
          items.push(...inner.items);
          problems.push(...inner.problems);
        } else {
          items.push([el, env]);
        }
      }
      return { items, problems };
    }
    if (ts.isIdentifier(arr)) {
      const sym = this.symbolOf(arr);
      if (!sym) return none(`${arr.text} cannot be resolved`);
      const bound = env.get(sym);
      if (bound?.kind === 'expr') return this.elements(bound.expr, bound.env, depth + 1);
      if (bound) return none(`the elements of ${arr.text} are not known`);
      const decl = sym.valueDeclaration;
      if (!decl || !ts.isVariableDeclaration(decl) || !this.inProject(decl)) return none(`the elements of ${arr.text} are not known`);
      if (this.active.has(sym)) return { items: [], problems: [] };
      this.active.add(sym);
      try {
        const parts = this.assignedValues(decl, sym).map((v) => this.elements(v, env, depth + 1));
        const pushed = this.pushedValues(decl.getSourceFile(), sym).map((v): [ts.Expression, Env] => [v, env]);
        return { items: [...parts.flatMap((p) => p.items), ...pushed], problems: parts.flatMap((p) => p.problems) };
      } finally {
        this.active.delete(sym);
      }
    }
    if (ts.isCallExpression(arr)) {
      const callee = skipOuter(arr.expression);
      if (ts.isPropertyAccessExpression(callee)) {
        const method = callee.name.text;
        const cb = arr.arguments[0] ? skipOuter(arr.arguments[0]) : undefined;
        if (method === 'map' && cb && isFunctionLike(cb)) {
          const inner = new Map(env);
          cb.parameters.forEach((p, i) => {
            const s = ts.isIdentifier(p.name) ? this.checker.getSymbolAtLocation(p.name) : undefined;
            if (s) inner.set(s, i === 0 ? { kind: 'element', of: callee.expression, env } : { kind: 'opaque', why: 'an array index' });
            else if (!ts.isIdentifier(p.name) && i === 0) this.bindDestructured(p.name, callee.expression, env, inner);
          });
          return { items: returnedExpressions(cb).map((r): [ts.Expression, Env] => [r, inner]), problems: [] };
        }
        if (['filter', 'slice', 'concat', 'reverse', 'sort'].includes(method)) {
          const base = this.elements(callee.expression, env, depth + 1);
          if (method !== 'concat') return base;
          const more = arr.arguments.map((a) => this.elements(a, env, depth + 1));
          return {
            items: [...base.items, ...more.flatMap((m) => m.items)],
            problems: [...base.problems, ...more.flatMap((m) => m.problems)],
          };
        }
        if (ts.isIdentifier(callee.expression) && callee.expression.text === 'Array' && method === 'from') {
          const mapper = arr.arguments[1] ? skipOuter(arr.arguments[1]) : undefined;
          if (mapper && isFunctionLike(mapper)) {
            const inner = new Map(env);
            for (const p of mapper.parameters) {
              const s = ts.isIdentifier(p.name) ? this.checker.getSymbolAtLocation(p.name) : undefined;
              if (s) inner.set(s, { kind: 'opaque', why: 'an Array.from argument' });
            }
            return { items: returnedExpressions(mapper).map((r): [ts.Expression, Env] => [r, inner]), problems: [] };
          }
        }
      }
      const fn = this.functionOf(callee);
      if (fn) {
        const inner = this.bind(fn, arr.arguments, env);
        const parts = returnedExpressions(fn).map((r) => this.elements(r, inner, depth + 1));
        return { items: parts.flatMap((p) => p.items), problems: parts.flatMap((p) => p.problems) };
      }
    }
    return none(`the elements of ${arr.getText()} are not known`);
  }

  /** `([, c]) => ...` over an array of tuples: each name stands for that position of every element. */
  private bindDestructured(name: ts.BindingName, of: ts.Expression, env: Env, into: Map<ts.Symbol, Bound>): void {
    if (!ts.isArrayBindingPattern(name)) return;
    const { items } = this.elements(of, env, 0);
    name.elements.forEach((el, i) => {
      if (ts.isOmittedExpression(el) || !ts.isIdentifier(el.name)) return;
      const s = this.checker.getSymbolAtLocation(el.name);
      if (!s) return;
      const at = items.map(([x, xenv]) => [skipOuter(x), xenv] as const).filter(([x]) => ts.isArrayLiteralExpression(x));
      if (at.length === 0 || at.length !== items.length) {
        into.set(s, { kind: 'opaque', why: 'a destructured element of an array whose elements are not known' });
        return;
      }
      const picked: ts.Expression[] = [];
      for (const [x] of at) {
        const v = (x as ts.ArrayLiteralExpression).elements[i];
        if (v) picked.push(v);
      }
      const f = ts.factory;
      into.set(s, { kind: 'element', of: f.createArrayLiteralExpression(picked), env: at[0]?.[1] ?? env });
    });
  }

  /** The values a property can have, when the object is an object literal this code builds. */
  private propertyValues(obj0: ts.Expression, name: string, env: Env, depth: number): [ts.Expression, Env][] | undefined {
    if (depth > MAX_DEPTH) return undefined;
    const obj = skipOuter(obj0);
    if (ts.isObjectLiteralExpression(obj)) {
      for (const p of obj.properties) {
        if (ts.isPropertyAssignment(p) && p.name.getText() === name) return [[p.initializer, env]];
        if (ts.isShorthandPropertyAssignment(p) && p.name.text === name) return [[p.name, env]];
      }
      return undefined;
    }
    if (ts.isIdentifier(obj)) {
      const sym = this.symbolOf(obj);
      if (!sym) return undefined;
      const bound = env.get(sym);
      if (bound?.kind === 'expr') return this.propertyValues(bound.expr, name, bound.env, depth + 1);
      if (bound?.kind === 'element') {
        const { items, problems } = this.elements(bound.of, bound.env, depth + 1);
        if (problems.length > 0) return undefined;
        const out: [ts.Expression, Env][] = [];
        for (const [x, xenv] of items) {
          const v = this.propertyValues(x, name, xenv, depth + 1);
          if (!v) return undefined;
          out.push(...v);
        }
        return out;
      }
      const decl = sym.valueDeclaration;
      if (decl && ts.isVariableDeclaration(decl) && this.inProject(decl) && !this.active.has(sym)) {
        const out: [ts.Expression, Env][] = [];
        for (const v of this.assignedValues(decl, sym)) {
          const p = this.propertyValues(v, name, env, depth + 1);
          if (!p) return undefined;
          out.push(...p);
        }
        return out;
      }
    }
    if (ts.isCallExpression(obj)) {
      const fn = this.functionOf(skipOuter(obj.expression));
      if (fn) {
        const inner = this.bind(fn, obj.arguments, env);
        const out: [ts.Expression, Env][] = [];
        for (const r of returnedExpressions(fn)) {
          const p = this.propertyValues(r, name, inner, depth + 1);
          if (!p) return undefined;
          out.push(...p);
        }
        return out;
      }
    }
    return undefined;
  }
}

/** The `.ts` files under `dir`, recursively. */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

/** A program over `files` with the repository's compiler options (`tsconfig.json` in `root`). */
export function createAuditProgram(root: string, files: readonly string[]): ts.Program {
  const configPath = join(root, 'tsconfig.json');
  const read = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root);
  return ts.createProgram({ rootNames: [...files], options: { ...parsed.options, noEmit: true } });
}

export interface SqlAudit {
  findings: SqlFinding[];
  /** Every SQL statement looked at (`file:line`), so a test can tell the audit saw the code it should. */
  statements: string[];
}

/** Audits `files` (absolute paths in `program`); paths in the result are relative to `root`. */
export function auditSql(program: ts.Program, root: string, files: readonly string[], options: SqlAuditOptions = {}): SqlAudit {
  const sources = files.map((f) => {
    const sf = program.getSourceFile(f);
    if (!sf) throw new Error(`${f} is not in the program`);
    return sf;
  });
  const auditor = new Auditor(program, sources, options.identifierHelpers ?? ['ident', 'identList']);
  const allow = options.allow ?? [];
  const seen = new Set<string>();
  const findings: SqlFinding[] = [];
  const statements: string[] = [];
  for (const sf of sources) {
    for (const { root: stmt, problems } of auditor.audit(sf)) {
      statements.push(`${relative(root, sf.fileName)}:${sf.getLineAndCharacterOfPosition(stmt.getStart()).line + 1}`);
      for (const p of problems) {
        const where = p.node.getSourceFile();
        const file = relative(root, where.fileName);
        const expression = p.node.getText();
        if (allow.some((a) => a.file === file && a.expression === expression)) continue;
        const line = where.getLineAndCharacterOfPosition(p.node.getStart()).line + 1;
        const key = `${file}:${line}:${expression}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const sql = stmt.getText().replace(/\s+/g, ' ').slice(0, 100);
        findings.push({ file, line, expression, reason: p.reason, sql });
      }
    }
  }
  return { findings, statements };
}

/** Audits one in-memory source text (for self-tests); `name` is its file name under `root`. */
export function auditSnippet(root: string, name: string, code: string, options: SqlAuditOptions = {}): SqlAudit {
  const path = join(root, name);
  const compilerOptions: ts.CompilerOptions = { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, noEmit: true };
  const host = ts.createCompilerHost(compilerOptions);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, ...rest) =>
    fileName === path ? ts.createSourceFile(fileName, code, languageVersion, true) : getSourceFile(fileName, languageVersion, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (f) => f === path || fileExists(f);
  const program = ts.createProgram({ rootNames: [path], options: compilerOptions, host });
  return auditSql(program, root, [path], options);
}
