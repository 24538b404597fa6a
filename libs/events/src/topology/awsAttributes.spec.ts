// Tests: sameAttributeValue.
import { describe, expect, it } from 'vitest';
import { sameAttributeValue } from './awsAttributes';

describe('sameAttributeValue', () => {
  it.each([
    ['30', '30', true],
    ['30', '5', false],
    [undefined, '30', false],
    ['{"b":1,"a":"x"}', '{"a":"x","b":1}', true],
    ['{"maxReceiveCount":"5","deadLetterTargetArn":"arn"}', '{"deadLetterTargetArn":"arn","maxReceiveCount":5}', true],
    ['{"maxReceiveCount":"4","deadLetterTargetArn":"arn"}', '{"deadLetterTargetArn":"arn","maxReceiveCount":5}', false],
    ['{"a":{"b":"arn"}}', '{"a":{"b":["arn"]}}', true],
    ['{"type":["a","b"]}', '{"type":["b","a"]}', false],
    ['not json {', 'not json {', true],
  ])('%s vs %s → %s', (actual, desired, same) => {
    expect(sameAttributeValue(actual, desired)).toBe(same);
  });
});
