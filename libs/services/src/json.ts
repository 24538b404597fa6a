/**
 * JSON as a person would write it: two-space indents, and any array or object that fits in
 * `width` columns on one line. Declarations are edited by hand and written by the generator; both
 * look the same.
 */
export function formatJson(value: unknown, width = 100): string {
  return `${render(value, '', width)}\n`;
}

function render(value: unknown, indent: string, width: number, prefix = 0): string {
  const flat = JSON.stringify(value, null, 1).replace(/\n\s*/g, ' ').replace(/\[ /g, '[').replace(/ \]/g, ']').replace(/\{ /g, '{ ').replace(/ \}/g, ' }');
  if (value === null || typeof value !== 'object' || indent.length + prefix + flat.length <= width) return flat;
  const inner = `${indent}  `;
  if (Array.isArray(value)) return `[\n${value.map((v) => `${inner}${render(v, inner, width)}`).join(',\n')}\n${indent}]`;
  const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${render(v, inner, width, JSON.stringify(k).length + 2)}`);
  return `{\n${entries.join(',\n')}\n${indent}}`;
}
