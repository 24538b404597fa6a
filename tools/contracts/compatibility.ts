// Compares two JSON Schemas of one (type, version): what breaks readers, in which direction.
import type { JsonSchema } from './schemas';

/** One way a changed schema could break a reader, with where. */
export interface BreakingChange {
  path: string;
  problem: string;
}

export interface CompareOptions {
  /**
   * Also refuse a field that `changed` no longer lists. Off, only what JSON Schema validation
   * sees counts: an open object accepts events with or without the field. @defaultValue true
   */
  refuseRemovedFields?: boolean;
}

/**
 * BACKWARD compatibility, the schema registries' default: every event valid under the shipped
 * schema must stay valid under the changed one, so consumers can upgrade and still read what was
 * published. On top of it, no field may disappear, since deployed consumers read it.
 * Handles the JSON Schema that `z.toJSONSchema` emits.
 */
export function backwardBreaks(shipped: JsonSchema, changed: JsonSchema, path = '', options: CompareOptions = {}): BreakingChange[] {
  const at = path === '' ? '(root)' : path;
  const problems: BreakingChange[] = [];
  const oldTypes = typesOf(shipped);
  const newTypes = typesOf(changed);
  if (oldTypes && newTypes) {
    const lost = [...oldTypes].filter((t) => !newTypes.has(t) && !(t === 'integer' && newTypes.has('number')));
    if (lost.length > 0) problems.push({ path: at, problem: `type changed from ${[...oldTypes].join('|')} to ${[...newTypes].join('|')}` });
  } else if (!oldTypes && newTypes) {
    problems.push({ path: at, problem: `type narrowed to ${[...newTypes].join('|')}` });
  }
  if (Array.isArray(changed['enum'])) {
    const allowed = new Set((changed['enum'] as unknown[]).map((v) => JSON.stringify(v)));
    const before = Array.isArray(shipped['enum']) ? (shipped['enum'] as unknown[]) : undefined;
    if (!before) problems.push({ path: at, problem: 'enum added: values accepted before are refused now' });
    else {
      const removed = before.filter((v) => !allowed.has(JSON.stringify(v)));
      if (removed.length > 0) problems.push({ path: at, problem: `enum narrowed: ${removed.map((v) => JSON.stringify(v)).join(', ')} removed` });
    }
  }
  if ('const' in changed && JSON.stringify(changed['const']) !== JSON.stringify(shipped['const'])) {
    problems.push({ path: at, problem: `const changed from ${JSON.stringify(shipped['const'])} to ${JSON.stringify(changed['const'])}` });
  }
  problems.push(...boundChanges(shipped, changed, at));
  problems.push(...objectChanges(shipped, changed, path, options));
  if (isSchema(shipped['items']) && isSchema(changed['items'])) problems.push(...backwardBreaks(shipped['items'], changed['items'], `${path}[]`, options));
  problems.push(...unionChanges(shipped, changed, path, options));
  return problems;
}

function objectChanges(shipped: JsonSchema, changed: JsonSchema, path: string, options: CompareOptions): BreakingChange[] {
  const problems: BreakingChange[] = [];
  const oldProps = (isSchema(shipped['properties']) ? shipped['properties'] : {}) as Record<string, JsonSchema>;
  const newProps = (isSchema(changed['properties']) ? changed['properties'] : {}) as Record<string, JsonSchema>;
  const oldRequired = new Set((shipped['required'] as string[] | undefined) ?? []);
  const newRequired = new Set((changed['required'] as string[] | undefined) ?? []);
  const join = (key: string) => (path === '' ? key : `${path}.${key}`);
  for (const key of Object.keys(oldProps)) {
    if (!(key in newProps) && options.refuseRemovedFields !== false) problems.push({ path: join(key), problem: 'field removed (or renamed)' });
  }
  for (const key of newRequired) {
    if (oldRequired.has(key)) continue;
    problems.push({ path: join(key), problem: key in oldProps ? 'optional field made required' : 'new required field' });
  }
  for (const [key, schema] of Object.entries(newProps)) {
    const before = oldProps[key];
    if (before) problems.push(...backwardBreaks(before, schema, join(key), options));
  }
  if (changed['additionalProperties'] === false && shipped['additionalProperties'] !== false) {
    problems.push({ path: path === '' ? '(root)' : path, problem: 'closed to additional properties' });
  }
  return problems;
}

function boundChanges(shipped: JsonSchema, changed: JsonSchema, at: string): BreakingChange[] {
  const problems: BreakingChange[] = [];
  const raised = (key: string) => typeof changed[key] === 'number' && (typeof shipped[key] !== 'number' || (changed[key] as number) > (shipped[key] as number));
  const lowered = (key: string) => typeof changed[key] === 'number' && (typeof shipped[key] !== 'number' || (changed[key] as number) < (shipped[key] as number));
  for (const key of ['minimum', 'exclusiveMinimum', 'minLength', 'minItems']) if (raised(key)) problems.push({ path: at, problem: `${key} raised to ${String(changed[key])}` });
  for (const key of ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems']) if (lowered(key)) problems.push({ path: at, problem: `${key} lowered to ${String(changed[key])}` });
  if (changed['multipleOf'] !== undefined && changed['multipleOf'] !== shipped['multipleOf']) {
    problems.push({ path: at, problem: `multipleOf ${shipped['multipleOf'] === undefined ? 'added' : 'changed'} (${String(changed['multipleOf'])})` });
  }
  for (const key of ['pattern', 'format']) {
    if (changed[key] !== undefined && changed[key] !== shipped[key]) problems.push({ path: at, problem: `${key} ${shipped[key] === undefined ? 'added' : 'changed'}` });
  }
  return problems;
}

function unionChanges(shipped: JsonSchema, changed: JsonSchema, path: string, options: CompareOptions): BreakingChange[] {
  const oldBranches = Array.isArray(shipped['anyOf']) ? (shipped['anyOf'] as JsonSchema[]) : undefined;
  const newBranches = Array.isArray(changed['anyOf']) ? (changed['anyOf'] as JsonSchema[]) : undefined;
  if (!oldBranches && !newBranches) return [];
  const at = path === '' ? '(root)' : path;
  if (!newBranches || !oldBranches) return [{ path: at, problem: 'union changed shape' }];
  // Every shipped branch must still be readable by some branch of the changed union.
  const lost = oldBranches.filter((branch) => !newBranches.some((candidate) => backwardBreaks(branch, candidate, path, options).length === 0));
  return lost.length > 0 ? [{ path: at, problem: `union narrowed: ${lost.length} alternative(s) no longer accepted` }] : [];
}

function typesOf(schema: JsonSchema): Set<string> | undefined {
  const type = schema['type'];
  if (typeof type === 'string') return new Set([type]);
  if (Array.isArray(type)) return new Set(type as string[]);
  return undefined;
}

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What validation sees, and nothing more: a field gone from an open object is no break by itself
 * (the gate and can-i-deploy leave it to the readers to say who needs the field).
 */
export function validationBreaks(shipped: JsonSchema, changed: JsonSchema, path = ''): BreakingChange[] {
  return backwardBreaks(shipped, changed, path, { refuseRemovedFields: false });
}

/** The `data` part of a whole-event schema. */
export function dataOf(schema: JsonSchema): JsonSchema {
  return ((schema['properties'] as Record<string, JsonSchema> | undefined)?.['data'] ?? {}) as JsonSchema;
}

/** A whole-event schema with `data` left open: the envelope alone. */
export function envelopeOf(schema: JsonSchema): JsonSchema {
  return { ...schema, properties: { ...(schema['properties'] as object), data: {} } };
}
