/**
 * SNS filter policies (MessageAttributes scope), validated by our code because emulators accept
 * policies that AWS refuses. Rules from the SNS developer guide: at most 5 keys, at most 150
 * value combinations, leaf values in arrays, numeric values within ±1e9 with 5 decimals at most.
 */
export type NumericOperator = '=' | '<' | '<=' | '>' | '>=';

export type FilterValue =
  | string
  | number
  | { prefix: string }
  | { suffix: string }
  | { 'equals-ignore-case': string }
  | { 'anything-but': string | number | readonly (string | number)[] | { prefix: string } }
  | { numeric: readonly [NumericOperator, number] | readonly [NumericOperator, number, NumericOperator, number] }
  | { exists: boolean };

/** Conditions on message attributes: every key must match one of its values. */
export type FilterConditions = Readonly<Record<string, readonly FilterValue[]>>;

export type FilterPolicy = FilterConditions | { $or: readonly FilterConditions[] };

export const FILTER_POLICY_LIMITS = { maxKeys: 5, maxCombinations: 150, maxNumeric: 1e9 } as const;

const OPERATORS = new Set(['prefix', 'suffix', 'equals-ignore-case', 'anything-but', 'numeric', 'exists']);
const NUMERIC_OPERATORS = new Set(['=', '<', '<=', '>', '>=']);

/** Returns every problem found, each naming the path; an empty list means AWS would accept it. */
export function validateFilterPolicy(policy: unknown): string[] {
  if (!isPlainObject(policy)) return ['(root): a filter policy must be a JSON object'];
  if ('$or' in policy) {
    const branches = policy['$or'];
    if (Object.keys(policy).length !== 1) return ['(root): combine "$or" with other keys by repeating them inside each branch'];
    if (!Array.isArray(branches) || branches.length < 2) return ['$or: must be an array of at least 2 condition objects'];
    const problems = branches.flatMap((branch, index) => validateConditions(branch, `$or[${index}]`));
    const combinations = branches.reduce<number>((sum, branch) => sum + (isPlainObject(branch) ? countCombinations(branch) : 0), 0);
    if (combinations > FILTER_POLICY_LIMITS.maxCombinations) {
      problems.push(`(root): ${combinations} value combinations; SNS allows at most ${FILTER_POLICY_LIMITS.maxCombinations}`);
    }
    return problems;
  }
  const problems = validateConditions(policy, '');
  const combinations = countCombinations(policy);
  if (problems.length === 0 && combinations > FILTER_POLICY_LIMITS.maxCombinations) {
    problems.push(`(root): ${combinations} value combinations; SNS allows at most ${FILTER_POLICY_LIMITS.maxCombinations}`);
  }
  return problems;
}

function validateConditions(conditions: unknown, at: string): string[] {
  const where = at === '' ? '(root)' : at;
  if (!isPlainObject(conditions)) return [`${where}: must be an object of attribute conditions`];
  const keys = Object.keys(conditions);
  const problems: string[] = [];
  if (keys.length === 0) problems.push(`${where}: has no conditions`);
  if (keys.length > FILTER_POLICY_LIMITS.maxKeys) {
    problems.push(`${where}: ${keys.length} keys; SNS allows at most ${FILTER_POLICY_LIMITS.maxKeys}`);
  }
  for (const key of keys) {
    const path = at === '' ? key : `${at}.${key}`;
    const values = conditions[key];
    if (key.startsWith('$')) problems.push(`${path}: operator keys other than "$or" are not allowed here`);
    if (!Array.isArray(values)) {
      problems.push(`${path}: values must be in an array, e.g. ["storm"] (nested objects need MessageBody scope)`);
      continue;
    }
    if (values.length === 0) problems.push(`${path}: empty array matches nothing`);
    values.forEach((value, index) => problems.push(...validateValue(value, `${path}[${index}]`)));
  }
  return problems;
}

function validateValue(value: unknown, path: string): string[] {
  if (typeof value === 'string') return [];
  if (typeof value === 'number') return validateNumber(value, path);
  if (!isPlainObject(value)) return [`${path}: must be a string, a number or an operator object`];
  const keys = Object.keys(value);
  const [operator] = keys;
  if (keys.length !== 1 || operator === undefined || !OPERATORS.has(operator)) {
    return [`${path}: must have exactly one operator of ${[...OPERATORS].join(', ')}`];
  }
  const operand = value[operator];
  switch (operator) {
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
      return typeof operand === 'string' && operand.length > 0 ? [] : [`${path}.${operator}: must be a non-empty string`];
    case 'exists':
      return typeof operand === 'boolean' ? [] : [`${path}.exists: must be true or false`];
    case 'anything-but':
      return validateAnythingBut(operand, `${path}.anything-but`);
    default:
      return validateNumeric(operand, `${path}.numeric`);
  }
}

function validateAnythingBut(operand: unknown, path: string): string[] {
  if (typeof operand === 'string') return [];
  if (typeof operand === 'number') return validateNumber(operand, path);
  if (Array.isArray(operand)) {
    if (operand.length === 0) return [`${path}: empty list`];
    return operand.flatMap((item: unknown, index) =>
      typeof item === 'string' ? [] : typeof item === 'number' ? validateNumber(item, `${path}[${index}]`) : [`${path}[${index}]: must be a string or number`],
    );
  }
  if (isPlainObject(operand) && Object.keys(operand).length === 1 && typeof operand['prefix'] === 'string') return [];
  return [`${path}: must be a value, a list of values or {"prefix": "..."}`];
}

function validateNumeric(operand: unknown, path: string): string[] {
  if (!Array.isArray(operand) || (operand.length !== 2 && operand.length !== 4)) {
    return [`${path}: must be [op, number] or [">"|">=", low, "<"|"<=", high]`];
  }
  const problems: string[] = [];
  for (let index = 0; index < operand.length; index += 2) {
    const operator: unknown = operand[index];
    const number: unknown = operand[index + 1];
    if (typeof operator !== 'string' || !NUMERIC_OPERATORS.has(operator)) problems.push(`${path}[${index}]: unknown operator ${JSON.stringify(operator)}; use =, <, <=, >, >=`);
    if (typeof number !== 'number') problems.push(`${path}[${index + 1}]: must be a number`);
    else problems.push(...validateNumber(number, `${path}[${index + 1}]`));
  }
  if (problems.length === 0 && operand.length === 4) {
    const [low, lowValue, high, highValue] = operand as [string, number, string, number];
    if (!(low === '>' || low === '>=') || !(high === '<' || high === '<=')) {
      problems.push(`${path}: a range must be a lower bound (">" or ">=") then an upper bound ("<" or "<=")`);
    } else if (lowValue >= highValue) {
      problems.push(`${path}: lower bound ${lowValue} must be below upper bound ${highValue}`);
    }
  }
  return problems;
}

/** A number SNS filters can name: finite, within ±1e9, at most 5 decimals. */
export function isFilterNumber(value: number): boolean {
  return validateNumber(value, '').length === 0;
}

/**
 * The conditions on an attribute that declares thresholds (its only cut points) that name another
 * value, or are no numeric condition at all: `path` and what is wrong, for each.
 */
export function valuesOffThresholds(values: readonly unknown[], thresholds: readonly number[], path: string): string[] {
  const allowed = new Set(thresholds);
  const problems: string[] = [];
  values.forEach((value, index) => {
    const named = numbersNamed(value);
    if (named === undefined) return void problems.push(`${path}[${index}]: this attribute declares thresholds (${thresholds.join(', ')}); filter it with numeric conditions at them`);
    const outside = named.filter((n) => typeof n === 'number' && !allowed.has(n));
    if (outside.length > 0) problems.push(`${path}[${index}]: ${outside.join(', ')} is not one of the attribute's thresholds (${thresholds.join(', ')}); declare it in the catalog, or cut at one of them`);
  });
  return problems;
}

/** The numbers a filter value compares with (none for `exists`); undefined when it is not a numeric condition. */
function numbersNamed(value: unknown): readonly unknown[] | undefined {
  if (typeof value === 'number') return [value];
  if (!isPlainObject(value)) return undefined;
  if (Array.isArray(value['numeric'])) return (value['numeric'] as unknown[]).filter((_, i) => i % 2 === 1);
  const but = value['anything-but'];
  if (typeof but === 'number') return [but];
  if (Array.isArray(but) && but.every((n) => typeof n === 'number')) return but;
  return 'exists' in value ? [] : undefined;
}

function validateNumber(value: number, path: string): string[] {
  if (!Number.isFinite(value)) return [`${path}: must be a finite number`];
  if (Math.abs(value) > FILTER_POLICY_LIMITS.maxNumeric) return [`${path}: ${value} is outside ±1e9`];
  const decimals = (String(value).split('.')[1] ?? '').length;
  return decimals > 5 ? [`${path}: ${value} has more than 5 decimal places`] : [];
}

function countCombinations(conditions: Record<string, unknown>): number {
  return Object.values(conditions).reduce<number>((product, values) => product * (Array.isArray(values) ? Math.max(values.length, 1) : 1), 1);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
