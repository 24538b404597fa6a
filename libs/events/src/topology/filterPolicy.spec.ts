// Tests: validateFilterPolicy.
import { describe, expect, it } from 'vitest';
import { validateFilterPolicy } from './filterPolicy';

describe('validateFilterPolicy', () => {
  it.each([
    ['exact strings', { type: ['weather.changed', 'time.changed'] }],
    ['a numeric lower bound', { intensity: [{ numeric: ['>=', 0.8] }] }],
    ['a numeric range', { intensity: [{ numeric: ['>', 0, '<=', 1] }] }],
    ['prefix, suffix, anything-but, exists', { a: [{ prefix: 'x' }], b: [{ suffix: 'y' }], c: [{ 'anything-but': ['a', 1] }], d: [{ exists: true }] }],
    ['anything-but prefix', { a: [{ 'anything-but': { prefix: 'test-' } }] }],
    ['$or of branches', { $or: [{ type: ['a.b'] }, { type: ['c.d'], n: [{ numeric: ['<', 3] }] }] }],
    ['exactly 150 combinations', { a: Array.from({ length: 15 }, (_, i) => `v${i}`), b: Array.from({ length: 10 }, (_, i) => `w${i}`) }],
  ])('accepts %s', (_label, policy) => {
    expect(validateFilterPolicy(policy)).toEqual([]);
  });

  it.each([
    ['a non-object', ['a'], '(root): a filter policy must be a JSON object'],
    ['six keys', { a: ['1'], b: ['1'], c: ['1'], d: ['1'], e: ['1'], f: ['1'] }, '(root): 6 keys; SNS allows at most 5'],
    ['151 combinations', { a: Array.from({ length: 151 }, (_, i) => `v${i}`) }, '(root): 151 value combinations; SNS allows at most 150'],
    ['a bare value', { type: 'weather.changed' }, 'type: values must be in an array'],
    ['an empty array', { type: [] }, 'type: empty array matches nothing'],
    ['an unknown operator', { a: [{ between: [1, 2] }] }, 'a[0]: must have exactly one operator'],
    ['a string as number', { a: [{ numeric: ['>=', '0.8'] }] }, 'a[0].numeric[1]: must be a number'],
    ['a bad numeric operator', { a: [{ numeric: ['=>', 1] }] }, 'a[0].numeric[0]: unknown operator "=>"'],
    ['an inverted range', { a: [{ numeric: ['>', 5, '<', 1] }] }, 'a[0].numeric: lower bound 5 must be below upper bound 1'],
    ['a range in the wrong order', { a: [{ numeric: ['<', 5, '>', 1] }] }, 'a[0].numeric: a range must be a lower bound'],
    ['a number out of range', { a: [2e9] }, 'a[0]: 2000000000 is outside ±1e9'],
    ['six decimals', { a: [0.123456] }, 'a[0]: 0.123456 has more than 5 decimal places'],
    ['exists not boolean', { a: [{ exists: 'yes' }] }, 'a[0].exists: must be true or false'],
    ['$or with one branch', { $or: [{ a: ['1'] }] }, '$or: must be an array of at least 2 condition objects'],
    ['$or beside keys', { $or: [{ a: ['1'] }, { b: ['2'] }], c: ['3'] }, '(root): combine "$or" with other keys'],
    ['an empty prefix', { a: [{ prefix: '' }] }, 'a[0].prefix: must be a non-empty string'],
  ])('refuses %s, naming where', (_label, policy, problem) => {
    expect(validateFilterPolicy(policy).join('\n')).toContain(problem);
  });
});
