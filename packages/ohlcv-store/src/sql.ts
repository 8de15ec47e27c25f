/** Small SQL text helpers shared by every statement builder. */

/** `name` as a quoted SQL identifier. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Comma-separated quoted identifiers. */
export function identList(names: readonly string[]): string {
  return names.map(ident).join(', ');
}
